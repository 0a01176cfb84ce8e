/* Select a node of the "echo" service (registered on another host) and say
 * hello over TCP: the whole path from C. Run inside tests/netns/isolated by
 * tests/select/two_hosts.sh (`make test-select-hosts`).
 *
 *   select_echo_c [ROUNDS]      round robin; prints what each node answered */
#define _POSIX_C_SOURCE 200809L
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "microreg.h"

/* Copies the string value of "key" in a flat JSON object into out. */
static int json_field(const char *json, const char *key, char *out, size_t size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *at = strstr(json, pattern);
    if (at == NULL) return -1;
    at += strlen(pattern);
    const char *end = strchr(at, '"');
    if (end == NULL || (size_t)(end - at) >= size) return -1;
    memcpy(out, at, (size_t)(end - at));
    out[end - at] = '\0';
    return 0;
}

/* Sends one line to host:port and reads the answer; 0 on success. */
static int hello(const char *address, char *reply, size_t size) {
    char host[256];
    const char *colon = strrchr(address, ':');
    if (colon == NULL || (size_t)(colon - address) >= sizeof host) return -1;
    memcpy(host, address, (size_t)(colon - address));
    host[colon - address] = '\0';
    struct addrinfo hints = {0}, *found = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &found) != 0) return -1;
    int fd = socket(found->ai_family, found->ai_socktype, 0);
    int ok = fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) == 0;
    freeaddrinfo(found);
    const char *message = "hello from c\n";
    ok = ok && write(fd, message, strlen(message)) == (ssize_t)strlen(message);
    size_t got = 0; /* up to the end of the line */
    while (ok && got < size - 1 && memchr(reply, '\n', got) == NULL) {
        ssize_t n = read(fd, reply + got, size - 1 - got);
        ok = n > 0;
        got += ok ? (size_t)n : 0;
    }
    if (fd >= 0) close(fd);
    if (got == 0) return -1;
    reply[got] = '\0';
    reply[strcspn(reply, "\n")] = '\0';
    return 0;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 2;
    microreg_registry *r = NULL;
    if (microreg_registry_new("{\"backend\":\"mdns\"}", &r) != MICROREG_OK) {
        fprintf(stderr, "select_echo_c: %s\n", microreg_last_error());
        return 1;
    }
    const char *options = "{\"strategy\":\"round_robin\"}";
    for (int round = 0; round < rounds; round++) {
        char *node = NULL;
        int rc = MICROREG_ERR_NOT_FOUND;
        for (int wait = 0; wait < 100 && rc == MICROREG_ERR_NOT_FOUND; wait++) {
            rc = microreg_registry_select(r, "echo", options, &node);
            if (rc == MICROREG_ERR_NOT_FOUND) {
                struct timespec pause = {0, 200 * 1000000L}; /* until discovered */
                nanosleep(&pause, NULL);
            }
        }
        if (rc != MICROREG_OK) {
            fprintf(stderr, "select_echo_c: select: %s\n", microreg_last_error());
            return 1;
        }
        char id[256], address[256], reply[512];
        if (json_field(node, "id", id, sizeof id) != 0 ||
            json_field(node, "address", address, sizeof address) != 0) {
            fprintf(stderr, "select_echo_c: unexpected node JSON %s\n", node);
            return 1;
        }
        microreg_string_free(node);
        int failed = hello(address, reply, sizeof reply) != 0;
        microreg_registry_mark(r, id, failed ? MICROREG_OUTCOME_FAILED : MICROREG_OUTCOME_OK);
        if (failed) {
            fprintf(stderr, "select_echo_c: %s at %s did not answer\n", id, address);
            return 1;
        }
        printf("c: selected %s at %s, it answered: %s\n", id, address, reply);
    }
    microreg_registry_free(r);
    return 0;
}
