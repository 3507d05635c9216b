#include "platform.hpp"
#include "svarboks/client/cli.hpp"

#include <iostream>

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    // No subcommand (or only options such as --config and --windowed): run the kiosk itself.
    const bool kiosk = args.empty() || (args[0].rfind("--", 0) == 0 && args[0] != "--help");
    if (kiosk) return svarboks::platform::runKiosk(args);
    return svarboks::client::runCli(args, std::cout, std::cerr);
}
