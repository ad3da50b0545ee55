/* proc_threads: how many threads this process has now (/proc/self/task), for tests that check
 * that what they started left no thread behind. */
#ifndef PROC_THREADS_H
#define PROC_THREADS_H

int proc_threads(void);

#endif
