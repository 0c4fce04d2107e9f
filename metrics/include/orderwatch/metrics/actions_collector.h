// ActionsCollector: orderwatch_actions_total{action}, the operator actions taken through the
// web room's ActionsApi (every action from start, 0 before the first). Thread-safe: reads
// the API's atomics.
#pragma once

#include <prometheus/collectable.h>

#include "orderwatch/web/actions.h"

namespace orderwatch::metrics {

class ActionsCollector : public prometheus::Collectable {
 public:
  explicit ActionsCollector(const web::ActionsApi& api) : api_(api) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const web::ActionsApi& api_;
};

}  // namespace orderwatch::metrics
