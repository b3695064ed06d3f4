/* parselog.c: placeholder */
