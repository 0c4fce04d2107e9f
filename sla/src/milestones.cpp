// The milestone parts of a loaded Config (milestones.h): the "not yet supported" guard that
// serve (start and reload) and generate call until tracking and the renderers handle milestones.
#include "orderwatch/sla/milestones.h"

#include <string>

namespace orderwatch::sla {

std::vector<Problem> unsupported_milestones(const Config& config, std::string_view command) {
  std::vector<Problem> out;
  for (std::size_t i = 0; i < config.milestones.size(); ++i) {
    Problem p;
    p.file = config.source_path.empty() ? "<string>" : config.source_path;
    p.path = "milestones[" + std::to_string(i) + "]";
    p.message = std::string(command) + " does not support milestones yet (milestone \"" +
                config.milestones[i].name + "\"); `orderwatch check` validates them";
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace orderwatch::sla
