/* The isolation check of every networked test: refuse to open an mDNS socket
 * unless each interface in /proc/self/net/dev is `lo` or starts with `mr`
 * (the private namespaces of tests/netns). C and C++ clean. */
#ifndef MICROREG_TEST_ISOLATION_H
#define MICROREG_TEST_ISOLATION_H

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void refuse_unless_isolated(const char *program) {
    FILE *devices = fopen("/proc/self/net/dev", "r");
    if (devices == NULL) {
        fprintf(stderr, "%s: cannot read /proc/self/net/dev; refusing to touch the network\n",
                program);
        exit(2);
    }
    char line[512];
    int row = 0;
    while (fgets(line, sizeof line, devices) != NULL) {
        if (++row <= 2) {
            continue; /* the two header lines */
        }
        char *name = line;
        while (isspace((unsigned char)*name)) {
            name++;
        }
        char *colon = strchr(name, ':');
        if (colon == NULL) {
            continue;
        }
        *colon = '\0';
        if (strcmp(name, "lo") != 0 && strncmp(name, "mr", 2) != 0) {
            fprintf(stderr,
                    "%s: interface %s is not a test interface; run me inside "
                    "tests/netns/isolated, never on the machine's own network\n",
                    program, name);
            exit(2);
        }
    }
    fclose(devices);
}

#endif
