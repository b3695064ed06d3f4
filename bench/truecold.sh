#!/bin/bash
# truecold.sh PYTHON SCRIPT [ARGS...]: the user's own cold start, for bench/fidelity.py: flush and drop every
# cache, then exec the program at once, so nothing happens between the drop and the exec (root only).
sync
echo 3 > /proc/sys/vm/drop_caches || exit 1
exec "$@"
