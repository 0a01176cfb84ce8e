/* Assertions for the C test programs (C and C++ clean). A failed check prints
 * where, what, and microreg's last error, and exits non-zero. */
#ifndef MICROREG_TEST_CHECK_H
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#define MICROREG_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "microreg.h"

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__,   \
                    __LINE__, #cond, microreg_last_error());                          \
            exit(1);                                                                  \
        }                                                                             \
    } while (0)

/* A call that must return `expected`; on a failure code the message must say something. */
#define CHECK_STATUS(call, expected)                                                  \
    do {                                                                              \
        int check_status_ = (call);                                                   \
        if (check_status_ != (expected)) {                                            \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (last error: %s)\n", \
                    __FILE__, __LINE__, #call, check_status_,                         \
                    microreg_status_str(check_status_), (int)(expected),              \
                    microreg_last_error());                                           \
            exit(1);                                                                  \
        }                                                                             \
        if (check_status_ != MICROREG_OK && microreg_last_error()[0] == '\0') {       \
            fprintf(stderr, "%s:%d: %s failed without a message\n", __FILE__, __LINE__, \
                    #call);                                                           \
            exit(1);                                                                  \
        }                                                                             \
    } while (0)

#define CHECK_OK(call) CHECK_STATUS(call, MICROREG_OK)

/* Whether `haystack` contains `needle`. */
static inline int contains(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

/* How many times `needle` occurs in `haystack`. */
static inline int count_of(const char *haystack, const char *needle) {
    int count = 0;
    size_t step = strlen(needle);
    for (const char *at = strstr(haystack, needle); at != NULL; at = strstr(at + step, needle)) {
        count++;
    }
    return count;
}

static inline void sleep_ms(long ms) {
    struct timespec delay;
    delay.tv_sec = ms / 1000;
    delay.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&delay, NULL);
}

static inline long long now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Generous: these deadlines catch hangs, they do not measure speed. */
#define DEADLINE_MS 20000

#endif
