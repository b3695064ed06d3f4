/* blockdev.c: the whole disk a file's reads come from, from stat(), sysfs and mountinfo, or why it has none to throttle. */
#include "blockdev.h"

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/magic.h>

#include "xmalloc.h"

#define BLOCKDEV_MOUNTINFO_MAX	(4 * 1024 * 1024)

/* Filesystems whose files live in memory: their reads are not I/O, nothing to throttle. */
static const long blockdev_memory_fs[] = {
	TMPFS_MAGIC, RAMFS_MAGIC, PROC_SUPER_MAGIC, SYSFS_MAGIC, DEVPTS_SUPER_MAGIC,
	CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC, DEBUGFS_MAGIC, SECURITYFS_MAGIC,
	BPF_FS_MAGIC, TRACEFS_MAGIC, HUGETLBFS_MAGIC,
};

/* Read a small text file whole; NULL when it cannot be read. */
static char *
blockdev_read(const char *path, size_t max)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = xmalloc(max + 1);
	n = fread(buf, 1, max, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* The last part of a path. */
static const char *
blockdev_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* The whole disk of a block device; see blockdev.h. */
int
blockdev_of_dev(const char *sysfs, unsigned major, unsigned minor, struct blockdev *disk,
    char **cause)
{
	char *link, *dir, *path, *text, *slash;
	const char *name;
	unsigned maj = major, min = minor;
	struct stat sb;
	int rc = -1;

	xasprintf(&link, "%s/dev/block/%u:%u", sysfs, major, minor);
	if ((dir = realpath(link, NULL)) == NULL) {
		xasprintf(cause, "device %u:%u is not a block device the kernel lists (%s: %s)",
		    major, minor, link, strerror(errno));
		free(link);
		return -1;
	}
	free(link);

	/* A partition: the kernel throttles its disk, the folder above it. */
	xasprintf(&path, "%s/partition", dir);
	if (stat(path, &sb) == 0 && (slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		free(path);
		xasprintf(&path, "%s/dev", dir);
		text = blockdev_read(path, 64);
		if (text == NULL || sscanf(text, "%u:%u", &maj, &min) != 2) {
			xasprintf(cause, "device %u:%u is a partition, but its disk's number cannot "
			    "be read from %s", major, minor, path);
			free(text);
			goto out;
		}
		free(text);
	}
	name = blockdev_base(dir);
	if (strncmp(name, "zram", 4) == 0 || (strncmp(name, "ram", 3) == 0 &&
	    name[3] >= '0' && name[3] <= '9')) {
		xasprintf(cause, "device %u:%u is %s, a disk in RAM: its reads are memory, not "
		    "storage, and a read limit on it would model no device", major, minor, name);
		goto out;
	}
	memset(disk, 0, sizeof *disk);
	disk->major = maj;
	disk->minor = min;
	snprintf(disk->name, sizeof disk->name, "%s", name);
	rc = 0;
out:
	free(path);
	free(dir);
	return rc;
}

/* The filesystem mounted from a device, in mountinfo's text; see blockdev.h. */
int
blockdev_mount_of(const char *mountinfo, unsigned major, unsigned minor, char **fstype,
    char **source)
{
	const char *line = mountinfo, *end, *sep;
	char want[32], type[256], src[4096];
	size_t wlen;

	snprintf(want, sizeof want, " %u:%u ", major, minor);
	wlen = strlen(want);
	for (; line != NULL && *line != '\0'; line = end != NULL ? end + 1 : NULL) {
		end = strchr(line, '\n');
		/* "ID PARENT MAJ:MIN ROOT MOUNT OPTIONS [TAGS] - TYPE SOURCE SUPER" */
		const char *f = strchr(line, ' ');

		if (f == NULL || (f = strchr(f + 1, ' ')) == NULL ||
		    strncmp(f, want, wlen) != 0)
			continue;
		if ((sep = strstr(f, " - ")) == NULL || (end != NULL && sep > end))
			continue;
		if (sscanf(sep + 3, "%255s %4095s", type, src) != 2)
			continue;
		*fstype = xstrdup(type);
		*source = xstrdup(src);
		return 0;
	}
	return -1;
}

/* Whether a filesystem keeps its files in memory. */
static int
blockdev_in_memory(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf) != 0)
		return 0;
	for (size_t i = 0; i < sizeof blockdev_memory_fs / sizeof blockdev_memory_fs[0]; i++) {
		if ((long)sf.f_type == blockdev_memory_fs[i])
			return 1;
	}
	return 0;
}

/*
 * A file on a device without a number of its own (btrfs, overlay, NFS):
 * its mount's source, when that is a block device, is the disk.
 */
static int
blockdev_of_mount(const char *path, dev_t dev, struct blockdev *disk, char **cause)
{
	char *text, *fstype = NULL, *source = NULL;
	struct stat sb;
	int rc;

	if ((text = blockdev_read("/proc/self/mountinfo", BLOCKDEV_MOUNTINFO_MAX)) == NULL ||
	    blockdev_mount_of(text, major(dev), minor(dev), &fstype, &source) != 0) {
		xasprintf(cause, "%s is on device %u:%u, which is no block device and not in "
		    "/proc/self/mountinfo", path, major(dev), minor(dev));
		free(text);
		return -1;
	}
	free(text);
	if (strncmp(source, "/dev/", 5) == 0 && stat(source, &sb) == 0 && S_ISBLK(sb.st_mode)) {
		char *why = NULL;

		if ((rc = blockdev_of_dev("/sys", major(sb.st_rdev), minor(sb.st_rdev), disk,
		    &why)) != 0) {
			xasprintf(cause, "%s: %s", path, why);
			free(why);
		}
	} else {
		xasprintf(cause, "%s is on a %s filesystem (from %s), which reads from no block "
		    "device of its own that the kernel could throttle", path, fstype, source);
		rc = -1;
	}
	free(fstype);
	free(source);
	return rc;
}

/* The disk that holds a file's data; see blockdev.h. */
int
blockdev_of_path(const char *path, struct blockdev *disk, char **cause)
{
	struct stat sb;
	char *why = NULL;

	if (stat(path, &sb) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (major(sb.st_dev) == 0) {
		if (blockdev_in_memory(path))
			return 0;
		return blockdev_of_mount(path, sb.st_dev, disk, cause) == 0 ? 1 : -1;
	}
	if (blockdev_of_dev("/sys", major(sb.st_dev), minor(sb.st_dev), disk, &why) != 0) {
		xasprintf(cause, "%s: %s", path, why);
		free(why);
		return -1;
	}
	return 1;
}
