/* parselog.h: "benchctl parse-log", which runs the stage-log parser over a file or stdin and prints JSON. */
#ifndef BENCHD_PARSELOG_H
#define BENCHD_PARSELOG_H

/* Run "benchctl parse-log [FILE|-]"; argv[0] is "parse-log". Returns the exit status. */
int	parselog_main(int, char **);

#endif
