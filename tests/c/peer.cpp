// One side of the two-host tests (tests/c/two_hosts.sh), in C++ over mdns:
//   peer-cpp NAME HOST:PORT WANT SYNC_DIR   (as peer-c, see peer.c)
#include "isolation.h"
#include "microreg.hpp"

#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

using namespace std::chrono_literals;

static bool exists(const std::string &path) { return std::ifstream(path).good(); }

int main(int argc, char **argv) {
    refuse_unless_isolated(argv[0]);
    if (argc != 5) {
        std::cerr << "usage: " << argv[0] << " NAME HOST:PORT WANT SYNC_DIR\n";
        return 2;
    }
    const std::string name = argv[1], address = argv[2], want = argv[3], sync_dir = argv[4];
    try {
        microreg::Registry registry(R"({"backend":"mdns"})");
        registry.register_service(R"({"name":")" + name + R"(","version":"1.0.0","nodes":[{"id":")" +
                                      name + R"(-1","address":")" + address +
                                      R"(","metadata":{"lang":"c++"}}]})",
                                  R"({"ttl_ms":30000})");
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        std::string found;
        while (found.empty()) {
            try {
                found = registry.get_service(want);
            } catch (const microreg::Error &error) {
                if (!error.not_found() || std::chrono::steady_clock::now() > deadline) {
                    throw;
                }
                std::this_thread::sleep_for(200ms);
            }
        }
        std::cout << name << " (C++) found " << want << ": " << found << std::endl;
        if (found.find(address) != std::string::npos ||
            found.find(R"("address":"10.77.0.)") == std::string::npos) {
            std::cerr << name << ": " << want << " is not served from another host\n";
            return 1;
        }
        std::ofstream(sync_dir + "/" + name + ".found").put('\n');
        while (!exists(sync_dir + "/" + want + ".found")) {
            if (std::chrono::steady_clock::now() > deadline) {
                std::cerr << name << ": the other side never found us\n";
                return 1;
            }
            std::this_thread::sleep_for(100ms);
        }
    } catch (const microreg::Error &error) {
        std::cerr << name << ": microreg error " << error.code() << ": " << error.what() << "\n";
        return 1;
    }
    return 0;
}
