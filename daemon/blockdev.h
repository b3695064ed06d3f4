/*
 * blockdev.h: which disk a file's reads come from, found from the file
 * itself: stat()'s st_dev, then /sys/dev/block/MAJ:MIN, and for a partition
 * the whole disk it is part of, since the kernel throttles reads per disk.
 * A device-mapper, md or loop device is throttled as it is (the filesystem's
 * reads enter the block layer there). Files in memory (tmpfs, proc, sysfs)
 * need no disk; zram and filesystems without one block device of their own
 * (overlay, NFS, FUSE) cannot be throttled, and the cause says why.
 */
#ifndef BENCHD_BLOCKDEV_H
#define BENCHD_BLOCKDEV_H

#define BLOCKDEV_NAME_MAX	32

/* A whole disk, as blkio.throttle.* and io.max name it (MAJ:MIN) and as people do. */
struct blockdev {
	unsigned	 major;
	unsigned	 minor;
	char		 name[BLOCKDEV_NAME_MAX];	/* "vda", "dm-0" */
};

/*
 * The disk that holds path's data: 1 and *disk; 0 when its reads need no
 * disk (tmpfs, proc, sysfs); -1 and *cause (naming the file, why, and what
 * would do) when they come from somewhere benchd cannot throttle.
 */
int	blockdev_of_path(const char *path, struct blockdev *disk, char **cause);

/*
 * The parts, with the kernel's files as arguments so tests can give fixtures.
 * blockdev_of_dev: the whole disk of block device MAJ:MIN under the sysfs
 * root sysfs ("/sys"); 0, or -1 and *cause.
 */
int	blockdev_of_dev(const char *sysfs, unsigned major, unsigned minor, struct blockdev *disk,
	    char **cause);
/*
 * blockdev_mount_of: in /proc/self/mountinfo's text, the filesystem mounted
 * from device MAJ:MIN: 0 with its type and source (caller frees), -1 if none.
 */
int	blockdev_mount_of(const char *mountinfo, unsigned major, unsigned minor, char **fstype,
	    char **source);

#endif
