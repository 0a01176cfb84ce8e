/* Built against an installed microreg (pkg-config or CMake): registers and finds a service. */
#include <microreg.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    microreg_registry *r = NULL;
    char *found = NULL;
    if (microreg_registry_new(NULL, &r) != MICROREG_OK ||
        microreg_registry_register(r, "{\"name\":\"installed\",\"nodes\":[{\"id\":\"i-1\","
                                      "\"address\":\"10.0.4.1:1\"}]}", NULL) != MICROREG_OK ||
        microreg_registry_get_service(r, "installed", NULL, &found) != MICROREG_OK ||
        strstr(found, "10.0.4.1:1") == NULL) {
        fprintf(stderr, "installed microreg failed: %s\n", microreg_last_error());
        return 1;
    }
    printf("installed microreg %s works: %s\n", microreg_version(), found);
    microreg_string_free(found);
    microreg_registry_free(r);
    return 0;
}
