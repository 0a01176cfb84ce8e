// Select a node of the "echo" service (registered on another host) and say
// hello over TCP: the whole path from C++. Run by tests/select/two_hosts.sh.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "microreg.hpp"

static std::string field(const std::string &json, const std::string &key) {
    const std::string pattern = "\"" + key + "\":\"";
    auto at = json.find(pattern);
    if (at == std::string::npos) return {};
    at += pattern.size();
    return json.substr(at, json.find('"', at) - at);
}

static std::string hello(const std::string &address) {
    auto colon = address.rfind(':');
    addrinfo hints{}, *found = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(address.substr(0, colon).c_str(), address.substr(colon + 1).c_str(), &hints,
                    &found) != 0)
        return {};
    int fd = socket(found->ai_family, found->ai_socktype, 0);
    bool ok = fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) == 0;
    freeaddrinfo(found);
    const std::string message = "hello from c++\n";
    std::string text;
    if (ok && write(fd, message.data(), message.size()) == (ssize_t)message.size()) {
        char chunk[512];
        ssize_t got;
        while (text.find('\n') == std::string::npos && (got = read(fd, chunk, sizeof chunk)) > 0)
            text.append(chunk, (size_t)got);
    }
    if (fd >= 0) close(fd);
    return text.substr(0, text.find('\n'));
}

int main() {
    try {
        microreg::Registry registry(R"({"backend":"mdns"})");
        for (int round = 0; round < 2; round++) {
            std::string node;
            for (int wait = 0; node.empty(); wait++) {
                try {
                    node = registry.select("echo", R"({"strategy":"round_robin"})");
                } catch (const microreg::Error &error) {
                    if (!error.not_found() || wait == 100) throw;
                    std::this_thread::sleep_for(std::chrono::milliseconds(200));
                }
            }
            std::string id = field(node, "id"), address = field(node, "address");
            std::string reply = hello(address);
            registry.mark(id, !reply.empty());
            if (reply.empty()) {
                std::fprintf(stderr, "select_echo_cpp: %s did not answer\n", id.c_str());
                return 1;
            }
            std::printf("c++: selected %s at %s, it answered: %s\n", id.c_str(), address.c_str(),
                        reply.c_str());
        }
    } catch (const microreg::Error &error) {
        std::fprintf(stderr, "select_echo_cpp: %s\n", error.what());
        return 1;
    }
    return 0;
}
