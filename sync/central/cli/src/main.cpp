// svarboks-central: the central endpoint and its admin commands (see docs/central.md).
#include "svarboks/server/admin.hpp"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    return svarboks::server::runCommand(args, std::cout, std::cerr);
}
