/* One side of the two-host tests (tests/c/two_hosts.sh), in C, over mdns:
 *
 *   peer-c --probe                       exit 0 if the mdns backend works, 3 if it
 *                                        is not part of this build, 1 otherwise
 *   peer-c NAME HOST:PORT WANT SYNC_DIR  register NAME at HOST:PORT, find WANT
 *                                        (served from another host), write
 *                                        SYNC_DIR/NAME.found, stay registered until
 *                                        SYNC_DIR/WANT.found exists, deregister.
 *
 * Refuses to run unless the network is a private test namespace. */
#include "check.h"
#include "isolation.h"

#include <unistd.h>

#define MDNS_CONFIG "{\"backend\":\"mdns\"}"
#define PEER_DEADLINE_MS 60000

static int probe(void) {
    microreg_registry *r = NULL;
    int status = microreg_registry_new(MDNS_CONFIG, &r);
    if (status == MICROREG_OK) {
        microreg_registry_free(r);
        puts("mdns backend: available");
        return 0;
    }
    printf("mdns backend: %s (%d): %s\n", microreg_status_str(status), status,
           microreg_last_error());
    return status == MICROREG_ERR_BACKEND_UNAVAILABLE &&
                   contains(microreg_last_error(), "not part of this build")
               ? 3
               : 1;
}

static void touch(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.found", dir, name);
    FILE *marker = fopen(path, "w");
    CHECK(marker != NULL);
    fclose(marker);
}

static int exists(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.found", dir, name);
    return access(path, F_OK) == 0;
}

int main(int argc, char **argv) {
    refuse_unless_isolated(argv[0]);
    if (argc == 2 && strcmp(argv[1], "--probe") == 0) {
        return probe();
    }
    if (argc != 5) {
        fprintf(stderr, "usage: %s --probe | NAME HOST:PORT WANT SYNC_DIR\n", argv[0]);
        return 2;
    }
    const char *name = argv[1], *address = argv[2], *want = argv[3], *sync_dir = argv[4];

    microreg_registry *r = NULL;
    CHECK_OK(microreg_registry_new(MDNS_CONFIG, &r));
    char service[512];
    snprintf(service, sizeof service,
             "{\"name\":\"%s\",\"version\":\"1.0.0\",\"nodes\":[{\"id\":\"%s-1\","
             "\"address\":\"%s\",\"metadata\":{\"lang\":\"c\"}}]}",
             name, name, address);
    CHECK_OK(microreg_registry_register(r, service, "{\"ttl_ms\":30000}"));

    long long deadline = now_ms() + PEER_DEADLINE_MS;
    char *found = NULL;
    while (microreg_registry_get_service(r, want, NULL, &found) != MICROREG_OK) {
        if (now_ms() > deadline) {
            fprintf(stderr, "%s: %s not found within %d ms: %s\n", name, want, PEER_DEADLINE_MS,
                    microreg_last_error());
            return 1;
        }
        sleep_ms(200);
    }
    printf("%s (C) found %s: %s\n", name, want, found);
    /* The other side lives on another host: its node's address is not ours. */
    CHECK(contains(found, "\"address\":\"10.77.0.") || contains(found, "\"address\":\"[fd77::"));
    CHECK(!contains(found, address));
    microreg_string_free(found);
    touch(sync_dir, name);

    while (!exists(sync_dir, want)) {
        CHECK(now_ms() < deadline);
        sleep_ms(100);
    }
    microreg_registry_free(r);
    return 0;
}
