// ActionsCollector: orderwatch_actions_total{action} from the web room's ActionsApi counts.
// serve/ registers it only with --web.enable-actions.
#include "orderwatch/metrics/actions_collector.h"

#include "family.h"

namespace orderwatch::metrics {

std::vector<MetricFamily> ActionsCollector::Collect() const {
  auto f = family(sla::self::kActionsTotal);
  for (std::size_t a = 0; a < web::kActionNames.size(); ++a) {
    add(f, {label(sla::label::kAction, std::string(web::kActionNames[a]))}, d(api_.count(a)));
  }
  return {std::move(f)};
}

}  // namespace orderwatch::metrics
