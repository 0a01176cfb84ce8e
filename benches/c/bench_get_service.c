/* get_service through the C ABI on a warm cache: a service with 3 nodes, the
 * JSON answer built, handed over and freed each time. Prints ns/op (the median
 * of 7 runs of about 0.3 s each). Built and run by `make bench-c`; with --json
 * the same figures as one JSON line (for the benchmark report). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "microreg.h"

#define RUNS 7

static const char *SERVICE =
    "{\"name\":\"bench\",\"version\":\"1.0.0\",\"metadata\":{\"owner\":\"bench\"},"
    "\"nodes\":["
    "{\"id\":\"bench-1\",\"address\":\"10.0.0.1:8080\",\"metadata\":{\"zone\":\"a\"}},"
    "{\"id\":\"bench-2\",\"address\":\"10.0.0.2:8080\",\"metadata\":{\"zone\":\"b\"}},"
    "{\"id\":\"bench-3\",\"address\":\"10.0.0.3:8080\",\"metadata\":{\"zone\":\"c\"}}]}";

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void get_once(microreg_registry *r) {
    char *json = NULL;
    if (microreg_registry_get_service(r, "bench", NULL, &json) != MICROREG_OK) {
        fprintf(stderr, "get_service failed: %s\n", microreg_last_error());
        exit(1);
    }
    microreg_string_free(json);
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int json_out = argc > 1 && strcmp(argv[1], "--json") == 0;
    microreg_registry *r = NULL;
    if (microreg_registry_new("{\"backend\":\"memory\"}", &r) != MICROREG_OK ||
        microreg_registry_register(r, SERVICE, NULL) != MICROREG_OK) {
        fprintf(stderr, "setup failed: %s\n", microreg_last_error());
        return 1;
    }
    char *json = NULL;
    microreg_registry_get_service(r, "bench", NULL, &json);
    size_t json_len = 0;
    while (json[json_len] != '\0') {
        json_len++;
    }
    microreg_string_free(json);

    /* Warm the cache and calibrate: about 0.3 s per run. */
    long iterations = 1000;
    for (;;) {
        double start = now_ns();
        for (long i = 0; i < iterations; i++) {
            get_once(r);
        }
        if (now_ns() - start > 1e8) {
            iterations = (long)(iterations * 3e8 / (now_ns() - start));
            break;
        }
        iterations *= 4;
    }
    double per_op[RUNS];
    for (int run = 0; run < RUNS; run++) {
        double start = now_ns();
        for (long i = 0; i < iterations; i++) {
            get_once(r);
        }
        per_op[run] = (now_ns() - start) / (double)iterations;
    }
    qsort(per_op, RUNS, sizeof per_op[0], by_value);
    if (json_out) {
        printf("{\"path\":\"microreg_registry_get_service\",\"ns_per_lookup\":%.1f,"
               "\"min_ns\":%.1f,\"max_ns\":%.1f,\"runs\":%d,\"iterations\":%ld,\"json_bytes\":%zu}\n",
               per_op[RUNS / 2], per_op[0], per_op[RUNS - 1], RUNS, iterations, json_len);
    } else {
        printf("C ABI  microreg_registry_get_service, warm cache, 3 nodes, %zu-byte JSON out: "
           "%.0f ns/op (median of %d x %ld; min %.0f, max %.0f)\n",
               json_len, per_op[RUNS / 2], RUNS, iterations, per_op[0], per_op[RUNS - 1]);
    }
    microreg_registry_free(r);
    return 0;
}
