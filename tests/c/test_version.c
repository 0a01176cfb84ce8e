/* The header's MICROREG_VERSION_* and microreg_version() against Cargo.toml,
 * whose version the build passes in as EXPECTED_VERSION ("MAJOR.MINOR.PATCH"). */
#include "check.h"

#ifndef EXPECTED_VERSION
#error "build with -DEXPECTED_VERSION=\"x.y.z\" taken from Cargo.toml"
#endif

int main(void) {
    char from_header[64];
    snprintf(from_header, sizeof from_header, "%d.%d.%d", MICROREG_VERSION_MAJOR,
             MICROREG_VERSION_MINOR, MICROREG_VERSION_PATCH);
    printf("Cargo.toml %s, header %s, library %s\n", EXPECTED_VERSION, from_header,
           microreg_version());
    CHECK(strcmp(from_header, EXPECTED_VERSION) == 0);
    CHECK(strcmp(microreg_version(), EXPECTED_VERSION) == 0);
    puts("test_version: ok");
    return 0;
}
