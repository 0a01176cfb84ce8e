/* A C peer for the Go tests: registers NAME at ADDRESS on the mdns backend,
 * looks FIND up until it answers, prints "found <json>", then stays registered
 * until its standard input closes.
 *
 *   peer NAME ADDRESS FIND
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "microreg.h"

static int fail(const char *what, int rc) {
    fprintf(stderr, "peer: %s: %d %s\n", what, rc, microreg_last_error());
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: peer NAME ADDRESS FIND\n");
        return 2;
    }
    const char *name = argv[1], *address = argv[2], *find = argv[3];
    microreg_registry *registry = NULL;
    int rc = microreg_registry_new("{\"backend\":\"mdns\"}", &registry);
    if (rc != 0) return fail("registry_new", rc);

    char service[512];
    snprintf(service, sizeof service,
             "{\"name\":\"%s\",\"version\":\"1.0.0\",\"nodes\":[{\"id\":\"%s-1\",\"address\":\"%s\","
             "\"metadata\":{\"lang\":\"c\"}}]}",
             name, name, address);
    rc = microreg_registry_register(registry, service, "{\"ttl_ms\":30000}");
    if (rc != 0) return fail("register", rc);

    char *found = NULL;
    struct timespec pause = {0, 100 * 1000 * 1000};
    for (int i = 0; i < 600 && found == NULL; i++) {
        rc = microreg_registry_get_service(registry, find, NULL, &found);
        if (rc != 0 && rc != MICROREG_ERR_NOT_FOUND) return fail("get_service", rc);
        if (found == NULL) nanosleep(&pause, NULL);
    }
    if (found == NULL) {
        fprintf(stderr, "peer: %s not found within 60 s\n", find);
        return 1;
    }
    printf("found %s\n", found);
    fflush(stdout);
    microreg_string_free(found);

    while (getchar() != EOF) {
    }
    microreg_registry_free(registry);
    return 0;
}
