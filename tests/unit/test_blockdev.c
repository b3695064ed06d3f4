/* test_blockdev.c: unit tests of finding a file's disk: sysfs from a fixture tree, mountinfo from text, and this machine's own files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blockdev.h"

#define SYSFS	FIXTURES_DIR "/sysfs"

/* A device that must resolve to disk major:minor called name. */
static void
test_disk(unsigned major, unsigned minor, unsigned want_major, unsigned want_minor,
    const char *name)
{
	struct blockdev	 d;
	char		*cause = NULL;

	if (blockdev_of_dev(SYSFS, major, minor, &d, &cause) != 0)
		fail_msg("%u:%u: %s", major, minor, cause);
	assert_int_equal(d.major, want_major);
	assert_int_equal(d.minor, want_minor);
	assert_string_equal(d.name, name);
}

/* A device that must be refused with a cause holding phrase. */
static void
test_refused(unsigned major, unsigned minor, const char *phrase)
{
	struct blockdev	 d;
	char		*cause = NULL;

	if (blockdev_of_dev(SYSFS, major, minor, &d, &cause) == 0)
		fail_msg("%u:%u resolved to %s", major, minor, d.name);
	assert_non_null(cause);
	if (strstr(cause, phrase) == NULL)
		fail_msg("%u:%u: expected \"%s\" in: %s", major, minor, phrase, cause);
	free(cause);
}

/* Whole disks stay, partitions go to their disk, RAM disks are refused. */
static void
test_sysfs(void **state)
{
	(void)state;
	test_disk(254, 0, 254, 0, "vda");
	test_disk(254, 1, 254, 0, "vda");		/* a partition: its disk */
	test_disk(259, 2, 259, 0, "nvme0n1");
	test_disk(252, 0, 252, 0, "dm-0");		/* device-mapper: throttled as it is */
	test_disk(7, 0, 7, 0, "loop0");
	test_refused(253, 0, "zram0, a disk in RAM");
	test_refused(1, 0, "ram0, a disk in RAM");
	test_refused(8, 1, "its disk's number cannot be read");
	test_refused(9, 9, "not a block device the kernel lists");
}

/* The filesystem mounted from a device, as mountinfo gives it. */
static void
test_mountinfo(void **state)
{
	static const char text[] =
	    "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
	    "31 22 0:45 / /home rw,relatime shared:7 - btrfs /dev/nvme0n1p2 rw,space_cache=v2\n"
	    "40 22 0:50 / /var/lib/docker/overlay2/x/merged rw - overlay overlay rw,lowerdir=/a\n"
	    "41 22 0:51 / /mnt/share rw - nfs4 server:/export rw,vers=4.2\n"
	    "42 22 0:5 / /dev rw,nosuid master:2 - devtmpfs udev rw\n";
	char	*type = NULL, *source = NULL;

	(void)state;
	assert_int_equal(blockdev_mount_of(text, 0, 45, &type, &source), 0);
	assert_string_equal(type, "btrfs");
	assert_string_equal(source, "/dev/nvme0n1p2");
	free(type);
	free(source);
	assert_int_equal(blockdev_mount_of(text, 0, 50, &type, &source), 0);
	assert_string_equal(type, "overlay");
	assert_string_equal(source, "overlay");
	free(type);
	free(source);
	assert_int_equal(blockdev_mount_of(text, 254, 0, &type, &source), 0);
	assert_string_equal(source, "/dev/vda");
	free(type);
	free(source);
	assert_int_equal(blockdev_mount_of(text, 0, 4, &type, &source), -1);
	assert_int_equal(blockdev_mount_of(text, 0, 5, &type, &source), 0);	/* not 0:50 */
	assert_string_equal(type, "devtmpfs");
	free(type);
	free(source);
	assert_int_equal(blockdev_mount_of("", 0, 45, &type, &source), -1);
}

/* This machine's files: the root filesystem is on a disk, /proc needs none, a missing file says so. */
static void
test_real_paths(void **state)
{
	struct blockdev	 d;
	char		*cause = NULL;

	(void)state;
	assert_int_equal(blockdev_of_path("/proc/self/status", &d, &cause), 0);
	assert_int_equal(blockdev_of_path("/sys/kernel", &d, &cause), 0);
	assert_int_equal(blockdev_of_path("/no/such/file", &d, &cause), -1);
	assert_non_null(strstr(cause, "No such file"));
	free(cause);
	cause = NULL;
	if (blockdev_of_path(SCHEMA_PATH, &d, &cause) == 1)
		assert_true(d.name[0] != '\0');
	else
		print_message("the source tree is not on a disk here: %s\n", cause != NULL ?
		    cause : "in memory");
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sysfs),
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_real_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
