// Built against an installed microreg with CMake: the C++ wrapper.
#include <microreg.hpp>

#include <iostream>

int main() {
    microreg::Registry registry;
    registry.register_service(R"({"name":"installed-cpp","nodes":[{"id":"c-1","address":"10.0.4.2:1"}]})");
    std::string found = registry.get_service("installed-cpp");
    if (found.find("10.0.4.2:1") == std::string::npos) {
        return 1;
    }
    std::cout << "installed microreg (C++) " << microreg::version() << " works\n";
    return 0;
}
