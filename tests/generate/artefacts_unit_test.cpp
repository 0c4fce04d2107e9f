// Unit tests of the generate room (generate/generate.h) without the CLI: the artefact paths of
// each format, artefacts() against the goldens, and what write_artefacts() and
// check_artefacts() report for written, changed and missing files.
#include <gtest/gtest.h>

#include <algorithm>

#include "orderwatch/generate/generate.h"
#include "orderwatch/sla/loader.h"
#include "test_support.h"

namespace orderwatch::testing {
namespace {

using generate::Drift;
using generate::Format;
using generate::GenerateOptions;

std::vector<std::string> paths(const std::vector<generate::Artefact>& list) {
  std::vector<std::string> out;
  for (const auto& artefact : list) out.push_back(artefact.relative_path.generic_string());
  return out;
}

sla::Config checkout() { return sla::load_file(example_path("sla").string()); }

TEST(GenerateRoom, FilesFormatPaths) {
  EXPECT_EQ(paths(generate::artefacts(checkout(), GenerateOptions{})),
            (std::vector<std::string>{
                "rules/checkout-rules.yml",
                "rules/checkout-rules.test.yml",
                "alertmanager/alertmanager.yml",
                "grafana/dashboards/checkout-overview.json",
                "grafana/provisioning/datasources/orderwatch.yml",
                "grafana/provisioning/dashboards/orderwatch.yml",
            }));
}

TEST(GenerateRoom, OperatorFormatPathsThenRunbooksWithTheirIndexLast) {
  GenerateOptions options;
  options.format = Format::prometheus_operator;
  options.runbooks = true;
  const auto list = paths(generate::artefacts(checkout(), options));
  const std::vector<std::string> objects{
      "kubernetes/checkout-prometheusrule.yaml", "kubernetes/checkout-alertmanagerconfig.yaml",
      "kubernetes/checkout-podmonitor.yaml", "kubernetes/checkout-grafana-dashboard.yaml",
      "kubernetes/checkout-serve.yaml"};
  ASSERT_GT(list.size(), objects.size() + 1);
  EXPECT_EQ(std::vector<std::string>(list.begin(), list.begin() + 5), objects);
  for (auto it = list.begin() + 5; it != list.end(); ++it)
    EXPECT_EQ(it->rfind("runbooks/", 0), 0u) << *it;
  EXPECT_EQ(list.back(), "runbooks/README.md");
  EXPECT_NE(std::find(list.begin(), list.end(), "runbooks/CheckoutOrdersOverdue.md"), list.end());
}

TEST(GenerateRoom, NamespaceReachesEveryOperatorObject) {
  GenerateOptions options;
  options.format = Format::prometheus_operator;
  options.ns = "shop-monitoring";
  for (const auto& artefact : generate::artefacts(checkout(), options))
    EXPECT_NE(artefact.text.find("namespace: 'shop-monitoring'"), std::string::npos)
        << artefact.relative_path;
}

TEST(GenerateRoom, ArtefactsAreByteStableAndMatchTheGoldens) {
  for (const auto& name : example_names()) {
    const auto config = sla::load_file(example_path(name).string());
    for (const auto format : {Format::files, Format::prometheus_operator}) {
      GenerateOptions options;
      options.format = format;
      options.runbooks = true;
      const auto list = generate::artefacts(config, options);
      const auto again = generate::artefacts(config, options);
      ASSERT_EQ(paths(list), paths(again)) << name;
      for (std::size_t i = 0; i < list.size(); ++i)
        EXPECT_EQ(list[i].text, again[i].text) << name << ": " << list[i].relative_path;
      const auto drifts = generate::check_artefacts(golden_dir(name), list);
      EXPECT_TRUE(drifts.empty()) << name << ": " << drifts.front().path;
    }
  }
}

TEST(GenerateRoom, CheckNamesChangedAndMissingFilesOnly) {
  const fs::path dir = fresh_out_dir("room-check");
  const auto list = generate::artefacts(checkout(), GenerateOptions{});

  auto drifts = generate::check_artefacts(dir, list);
  ASSERT_EQ(drifts.size(), list.size());
  EXPECT_EQ(drifts.front().kind, Drift::Kind::missing);
  EXPECT_TRUE(fs::is_empty(dir)) << "check_artefacts must not write";

  const auto written = generate::write_artefacts(dir, list);
  ASSERT_FALSE(written.failure) << written.failure->path << ": " << written.failure->reason;
  ASSERT_EQ(written.written.size(), list.size());
  EXPECT_EQ(written.written.front(), dir / "rules" / "checkout-rules.yml");
  EXPECT_TRUE(generate::check_artefacts(dir, list).empty());

  const fs::path alertmanager = dir / "alertmanager" / "alertmanager.yml";
  const fs::path dashboard = dir / "grafana" / "dashboards" / "checkout-overview.json";
  write_text(alertmanager, read_text(alertmanager) + "# hand edit\n");
  fs::remove(dashboard);
  drifts = generate::check_artefacts(dir, list);
  ASSERT_EQ(drifts.size(), 2u);
  EXPECT_EQ(drifts[0].path, alertmanager);
  EXPECT_EQ(drifts[0].kind, Drift::Kind::differs);
  EXPECT_EQ(drifts[1].path, dashboard);
  EXPECT_EQ(drifts[1].kind, Drift::Kind::missing);
}

TEST(GenerateRoom, WriteStopsAtTheFirstFileItCannotWrite) {
  const fs::path dir = fresh_out_dir("room-unwritable");
  write_text(dir / "rules", "a file where the rules folder should be\n");
  const auto result =
      generate::write_artefacts(dir, generate::artefacts(checkout(), GenerateOptions{}));
  EXPECT_TRUE(result.written.empty());
  ASSERT_TRUE(result.failure);
  EXPECT_EQ(result.failure->path, dir / "rules" / "checkout-rules.yml");
  EXPECT_FALSE(result.failure->reason.empty());
  EXPECT_FALSE(fs::exists(dir / "alertmanager"));
}

}  // namespace
}  // namespace orderwatch::testing
