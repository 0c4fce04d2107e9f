// The page's action forms (action_forms.h): plain HTML forms, no scripts, posting to the
// actions API with the user's form token. Called by the drill-down page (drilldown_page.cpp)
// when serve enabled the actions.
#include "action_forms.h"

#include "orderwatch/rules/text.h"
#include "orderwatch/web/http_server.h"

namespace orderwatch::web::forms {

namespace {

std::string attr(std::string_view text) { return rules::html_escape(text); }

std::string form(const std::string& action, const std::string& token, const char* label,
                 bool with_for, bool dry_run = false) {
  std::string f = "<form class=\"act\" method=\"post\" action=\"" + attr(action) + "\">" +
                  "<input type=\"hidden\" name=\"token\" value=\"" + attr(token) + "\">" +
                  "<input name=\"reason\" placeholder=\"reason\" required size=\"10\">";
  if (with_for) f += "<input name=\"for\" value=\"4h\" size=\"3\" required>";
  f += std::string("<button type=\"submit\"") + (dry_run ? " class=\"dry\"" : "") + ">" + label +
       "</button></form>";
  return f;
}

}  // namespace

std::string order_forms(const std::string& encoded_id, const std::string& token,
                        std::string_view milestone) {
  const std::string base = "/api/v1/orders/" + encoded_id + "/";
  const std::string on_clock = milestone.empty() ? "" : "?milestone=" + url_encode(milestone);
  return form(base + "acknowledge" + on_clock, token, "ack", true) +
         form(base + "forget", token, "forget", false) +
         form(base + "redrive", token, "redrive", false);
}

std::string batch_forms(std::string_view status, std::string_view severity,
                        const std::string& token, std::string_view milestone) {
  std::string q = "?";
  if (!status.empty()) q += "status=" + url_encode(status);
  if (!milestone.empty()) q += "milestone=" + url_encode(milestone);
  if (!severity.empty())
    q += std::string(q.size() > 1 ? "&" : "") + "severity=" + url_encode(severity);
  const std::string sep = q.size() > 1 ? "&" : "";
  std::string html = std::string("<div class=\"batch\"><span>Every overdue ") +
                     (milestone.empty() ? "order" : "clock") +
                     " of this list (at most 1000):</span>";
  for (const char* a : {"acknowledge", "forget", "redrive"}) {
    const std::string path = std::string("/api/v1/overdue/") + a + q;
    html += form(path + sep + "dry_run=true", token, (std::string(a) + " (dry run)").c_str(),
                 a[0] == 'a', true);
    html += form(path, token, a, a[0] == 'a');
  }
  return html + "</div>\n";
}

}  // namespace orderwatch::web::forms
