// Private: the page's action forms (no scripts: plain HTML forms posting to the actions API
// with the user's token, web/actions.h). Text is escaped by the caller's `esc`.
#pragma once

#include <string>
#include <string_view>

namespace orderwatch::web::forms {

// Acknowledge (reason, for), forget and redrive buttons for one order; `encoded_id` is the id
// percent-encoded for a path. With a milestone, acknowledge acts on that milestone's clock.
std::string order_forms(const std::string& encoded_id, const std::string& token,
                        std::string_view milestone = {});
// The same on every overdue order (clock, with a milestone) of a filter, each with a dry-run
// button first.
std::string batch_forms(std::string_view status, std::string_view severity,
                        const std::string& token, std::string_view milestone = {});

}  // namespace orderwatch::web::forms
