// orderwatch: one binary, subcommands in the spirit of promtool. main() registers the
// subcommands (cmd_*.cpp), parses argv with CLI11 and returns the chosen one's exit code.
#include <exception>
#include <iostream>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"orderwatch: order pipeline SLAs for the Prometheus stack", "orderwatch"};
  app.set_version_flag("--version", std::string("orderwatch ") + ORDERWATCH_VERSION);
  app.require_subcommand(1);
  int exit_code = orderwatch::cli::kExitOk;
  orderwatch::cli::add_check(app, exit_code);
  orderwatch::cli::add_serve(app, exit_code);
  orderwatch::cli::add_generate(app, exit_code);
  orderwatch::cli::add_publish(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return orderwatch::cli::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "orderwatch: " << e.what() << "\n";
    return orderwatch::cli::kExitUsage;
  }
  return exit_code;
}
