#include "svarboks/client/cli.hpp"

#include <iostream>

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    return svarboks::client::runCli(args, std::cout, std::cerr);
}
