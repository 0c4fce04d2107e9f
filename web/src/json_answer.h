// Private: the JSON answer of every web API (drill-down, recovered, actions): one compact line
// and a newline; invalid UTF-8 is replaced rather than refused (ids are whatever the shop
// sent). Json: nlohmann::json or nlohmann::ordered_json (the caller includes it).
#pragma once

#include "orderwatch/web/http_server.h"

namespace orderwatch::web {

template <class Json>
HttpResponse json_response(int status, const Json& body) {
  return HttpResponse{status, "application/json",
                      body.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n"};
}

}  // namespace orderwatch::web
