#include "platform.hpp"
#include "svarboks/client/cli.hpp"

#include <iostream>

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    return svarboks::client::runCli(args, std::cin, std::cout, std::cerr, svarboks::platform::runKiosk);
}
