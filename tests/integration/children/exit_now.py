"""exit_now.py: a child that exits at once with the given status, before printing anything."""
import os
import sys

os._exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
