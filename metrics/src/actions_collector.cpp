#include "orderwatch/metrics/actions_collector.h"

#include "family.h"

namespace orderwatch::metrics {

std::vector<MetricFamily> ActionsCollector::Collect() const {
  auto f = family(std::string(kActionsTotal),
                  "Operator actions taken on orders (batch: one per order acted on).",
                  MetricType::Counter);
  for (std::size_t a = 0; a < web::kActionNames.size(); ++a) {
    add(f, {{"action", std::string(web::kActionNames[a])}}, d(api_.count(a)));
  }
  return {std::move(f)};
}

}  // namespace orderwatch::metrics
