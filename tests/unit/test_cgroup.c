/*
 * test_cgroup.c: unit tests of reading the kernel's cgroup files (mounts,
 * membership, limits and counters, from fixture text), and, as root, of
 * killing what a group holds: a grandchild in a session of its own, by v2's
 * cgroup.kill and by the v1 freezer, on this machine's own hierarchies.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup.h"

/* A hybrid machine (this one): v1 controllers, and a v2 hierarchy without any. */
static const char hybrid_mounts[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/* A container on a v1 host: co-mounted cpu,cpuacct, showing only its own subtree. */
static const char container_mounts[] =
    "700 650 0:60 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup rw,cpu,cpuacct\n"
    "701 650 0:61 /docker/abc /sys/fs/cgroup/blkio ro,nosuid - cgroup cgroup rw,blkio\n";

/* A systemd machine with cgroup v2 only. */
static const char v2_mounts[] =
    "25 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

/* Where each hierarchy is mounted, and the root it shows. */
static void
test_mounts(void **state)
{
	char	*mnt, *root;

	(void)state;
	assert_int_equal(cgroup_parse_mount(hybrid_mounts, "blkio", &mnt, &root), 0);
	assert_string_equal(mnt, "/sys/fs/cgroup/blkio");
	assert_string_equal(root, "/");
	free(mnt);
	free(root);
	assert_int_equal(cgroup_parse_mount(hybrid_mounts, "cpu", &mnt, &root), 0);
	assert_string_equal(mnt, "/sys/fs/cgroup/cpu");	/* not cpuacct */
	free(mnt);
	free(root);
	assert_int_equal(cgroup_parse_mount(hybrid_mounts, NULL, &mnt, &root), 0);
	assert_string_equal(mnt, "/sys/fs/cgroup/unified");
	free(mnt);
	free(root);
	assert_int_equal(cgroup_parse_mount(hybrid_mounts, "io", &mnt, &root), -1);
	assert_int_equal(cgroup_parse_mount(hybrid_mounts, "systemd", &mnt, &root), -1);

	assert_int_equal(cgroup_parse_mount(container_mounts, "cpu", &mnt, &root), 0);
	assert_string_equal(mnt, "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(root, "/docker/abc");
	free(mnt);
	free(root);
	assert_int_equal(cgroup_parse_mount(container_mounts, NULL, &mnt, &root), -1);

	assert_int_equal(cgroup_parse_mount(v2_mounts, NULL, &mnt, &root), 0);
	assert_string_equal(mnt, "/sys/fs/cgroup");
	free(mnt);
	free(root);
	assert_int_equal(cgroup_parse_mount(v2_mounts, "memory", &mnt, &root), -1);
	assert_int_equal(cgroup_parse_mount("", NULL, &mnt, &root), -1);
}

/* This process's group in each hierarchy, from /proc/self/cgroup. */
static void
test_self(void **state)
{
	static const char text[] =
	    "9:name=systemd:/\n"
	    "4:memory:/process_api/a6c0\n"
	    "2:cpu,cpuacct:/user.slice\n"
	    "1:blkio:/\n"
	    "0::/user.slice/user-0.slice/session-1.scope\n";
	char	*path;

	(void)state;
	assert_int_equal(cgroup_parse_self(text, "memory", &path), 0);
	assert_string_equal(path, "/process_api/a6c0");
	free(path);
	assert_int_equal(cgroup_parse_self(text, "cpuacct", &path), 0);
	assert_string_equal(path, "/user.slice");
	free(path);
	assert_int_equal(cgroup_parse_self(text, "cpu", &path), 0);
	assert_string_equal(path, "/user.slice");
	free(path);
	assert_int_equal(cgroup_parse_self(text, NULL, &path), 0);
	assert_string_equal(path, "/user.slice/user-0.slice/session-1.scope");
	free(path);
	assert_int_equal(cgroup_parse_self(text, "cpuset", &path), -1);
	assert_int_equal(cgroup_parse_self(text, "mem", &path), -1);
	assert_int_equal(cgroup_parse_self("0::/\n", NULL, &path), 0);
	assert_string_equal(path, "/");
	free(path);
}

/* Counters: blkio's per-disk lines, io.stat's keys, flat-keyed files. */
static void
test_counters(void **state)
{
	static const char blkio[] =
	    "254:0 Read 497123328\n254:0 Write 4096\n254:0 Sync 497127424\n"
	    "254:0 Async 0\n254:0 Discard 0\n254:0 Total 497127424\n"
	    "259:0 Read 1000\n259:0 Write 0\n259:0 Total 1000\n"
	    "Total 497128424\n";
	static const char io_stat[] =
	    "254:0 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n"
	    "259:0 rbytes=800 wbytes=0 rios=2 wios=0 dbytes=0 dios=0\n";
	static const char cpu_v1[] =
	    "nr_periods 50\nnr_throttled 25\nthrottled_time 1234567890\n"
	    "nr_bursts 0\nburst_time 0\n";
	static const char cpu_v2[] =
	    "usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnr_periods 10\n"
	    "nr_throttled 4\nthrottled_usec 250000\nnr_bursts 0\nburst_usec 0\n";
	static const char oom_v1[] = "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n";
	static const char events_v2[] = "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n";

	(void)state;
	assert_int_equal(cgroup_parse_blkio(blkio, "Read"), 497124328);
	assert_int_equal(cgroup_parse_blkio(blkio, "Write"), 4096);
	assert_int_equal(cgroup_parse_blkio("Total 0\n", "Read"), -1);
	assert_int_equal(cgroup_parse_blkio("", "Read"), -1);
	assert_int_equal(cgroup_parse_io_stat(io_stat, "rbytes"), 1460000);
	assert_int_equal(cgroup_parse_io_stat(io_stat, "rios"), 194);
	assert_int_equal(cgroup_parse_io_stat(io_stat, "bytes"), -1);	/* no key "bytes" */
	assert_int_equal(cgroup_parse_io_stat("", "rbytes"), -1);
	assert_int_equal(cgroup_parse_flat(cpu_v1, "nr_throttled"), 25);
	assert_int_equal(cgroup_parse_flat(cpu_v1, "throttled_time"), 1234567890);
	assert_int_equal(cgroup_parse_flat(cpu_v2, "throttled_usec"), 250000);
	assert_int_equal(cgroup_parse_flat(cpu_v2, "nr_periods"), 10);
	assert_int_equal(cgroup_parse_flat(cpu_v2, "nr"), -1);
	assert_int_equal(cgroup_parse_flat(oom_v1, "oom_kill"), 2);
	assert_int_equal(cgroup_parse_flat(events_v2, "oom_kill"), 1);
	assert_int_equal(cgroup_parse_flat(events_v2, "oom"), 1);
}

/* Limits read back: v1's "MAJ:MIN N" lines, v2's io.max keys, "max". */
static void
test_devices(void **state)
{
	static const char v1[] = "254:0 25000000\n259:0 50000000\n";
	static const char v2[] =
	    "254:0 rbps=25000000 wbps=max riops=1500 wiops=max\n"
	    "259:0 rbps=max wbps=max riops=200 wiops=max\n";

	(void)state;
	assert_int_equal(cgroup_parse_device(v1, 254, 0, NULL), 25000000);
	assert_int_equal(cgroup_parse_device(v1, 259, 0, NULL), 50000000);
	assert_int_equal(cgroup_parse_device(v1, 254, 1, NULL), -1);
	assert_int_equal(cgroup_parse_device(v1, 25, 40, NULL), -1);	/* "254:0" is not "25:40" */
	assert_int_equal(cgroup_parse_device("", 254, 0, NULL), -1);
	assert_int_equal(cgroup_parse_device(v2, 254, 0, "rbps"), 25000000);
	assert_int_equal(cgroup_parse_device(v2, 254, 0, "riops"), 1500);
	assert_int_equal(cgroup_parse_device(v2, 259, 0, "rbps"), 0);	/* max */
	assert_int_equal(cgroup_parse_device(v2, 259, 0, "riops"), 200);
	assert_int_equal(cgroup_parse_device(v2, 259, 0, "bps"), -1);
}

/* The group a kill test made, removed by the teardown whatever happened. */
static struct cgroup_group *test_group;

/* Born in the group: leave a grandchild in a session of its own, send its pid, and go. */
static int
test_escape(void *arg)
{
	int *fds = arg;
	pid_t pid;

	if ((pid = fork()) == 0) {
		setsid();
		pid = getpid();
		if (write(fds[1], &pid, sizeof pid) != (ssize_t)sizeof pid)
			_exit(1);
		for (;;)
			pause();
	}
	return pid > 0 ? 0 : 1;
}

/* Whether a process is gone (or a zombie: dead, waiting for init to reap it). */
static int
test_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (p = strrchr(buf, ')')) != NULL && p[1] == ' ' && p[2] == 'Z';
}

/* A grandchild that left its parent's session is killed with its group, which is then removed. */
static void
test_kill_mode(const char *mode, const char *kill_by)
{
	char tag[64], *cause = NULL, *dirs;
	int fds[2];
	pid_t pid;

	if (geteuid() != 0) {
		print_message("needs root (a group in this machine's hierarchies): skipped\n");
		skip();
	}
	snprintf(tag, sizeof tag, "benchd-unit-%d", (int)getpid());
	cgroup_init(tag, mode);
	if (!cgroup_can_group()) {
		print_message("no %s hierarchy benchd can use here: skipped\n", mode);
		skip();
	}
	assert_int_equal(pipe(fds), 0);
	if ((test_group = cgroup_group_create("kill", 0, 0, &cause)) == NULL)
		fail_msg("%s", cause);
	assert_string_equal(cgroup_group_kill_by(test_group), kill_by);
	assert_int_equal(cgroup_group_fork(test_group, CGROUP_ALL, test_escape, fds, &cause), 0);
	assert_int_equal(read(fds[0], &pid, sizeof pid), (ssize_t)sizeof pid);
	close(fds[0]);
	close(fds[1]);
	assert_false(test_gone(pid));
	assert_int_equal(cgroup_group_kill(test_group), 1);
	for (int i = 0; i < 2000 && !test_gone(pid); i++)
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	assert_true(test_gone(pid));
	assert_int_equal(cgroup_group_kill(test_group), 0);	/* nothing left */
	dirs = cgroup_group_dirs(test_group);
	cgroup_group_free(test_group);
	test_group = NULL;
	for (char *d = strtok(dirs, " "); d != NULL; d = strtok(NULL, " "))
		assert_int_equal(access(d, F_OK), -1);
	free(dirs);
}

/* v2: cgroup.kill. */
static void
test_kill_v2(void **state)
{
	(void)state;
	test_kill_mode("v2", "cgroup.kill");
}

/* v1: freeze, SIGKILL every pid, thaw. */
static void
test_kill_v1(void **state)
{
	(void)state;
	test_kill_mode("v1", "freezer");
}

/* Whatever a kill test left: its processes killed, its group removed. */
static int
test_kill_teardown(void **state)
{
	(void)state;
	cgroup_group_free(test_group);
	test_group = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_devices),
		cmocka_unit_test_teardown(test_kill_v2, test_kill_teardown),
		cmocka_unit_test_teardown(test_kill_v1, test_kill_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
