#include "server/influx_query_handler.h"

#include <chrono>

#include "influxql/executor.h"
#include "influxql/parser.h"
#include "influxql/result_writer.h"
#include "influxql/scoped_catalog.h"
#include "server/auth.h"

namespace arc {
namespace {

// The message without control characters: it quotes the client's text, and a CR/LF in a
// header would split the response.
std::string HeaderSafe(const std::string& message) {
  std::string out;
  for (char c : message.substr(0, 512)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  return out;
}

HttpResponse InfluxError(int status, const std::string& message) {
  HttpResponse r = JsonError(status, message);
  r.headers.emplace_back("X-Influxdb-Error", HeaderSafe(message));
  AddInfluxHeaders(&r);
  return r;
}

// "a=1&b=x+y" → decoded pairs (form bodies; '+' is a space there).
std::vector<std::pair<std::string, std::string>> ParseForm(const std::string& body) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= body.size()) {
    const size_t amp = std::min(body.find('&', start), body.size());
    std::string part = body.substr(start, amp - start);
    for (char& c : part) {
      if (c == '+') c = ' ';
    }
    const size_t eq = part.find('=');
    if (!part.empty()) {
      out.emplace_back(UrlDecode(part.substr(0, eq)),
                       eq == std::string::npos ? "" : UrlDecode(part.substr(eq + 1)));
    }
    start = amp + 1;
  }
  return out;
}

bool IsForm(const HttpRequest& r) {
  const std::string_view type = r.Header("content-type");
  return type.substr(0, 33) == "application/x-www-form-urlencoded";
}

}  // namespace

void AddInfluxHeaders(HttpResponse* r) {
  r->headers.emplace_back("X-Influxdb-Version", kInfluxCompatVersion);
  r->headers.emplace_back("X-Influxdb-Build", "OSS");
}

void InfluxQueryHandler::Query(HttpRequest&& request, std::function<void(HttpResponse)> respond) {
  auto shared = std::make_shared<HttpRequest>(std::move(request));
  auto reply = std::make_shared<std::function<void(HttpResponse)>>(std::move(respond));
  auto run = [this, shared, reply] {
    HttpResponse r;
    try {
      r = Run(*shared);
    } catch (const std::exception& e) {  // a bug must cost one answer, never the process
      r = InfluxError(500, std::string("internal error: ") + e.what());
    }
    (*reply)(std::move(r));
  };
  if (executor_->TrySubmit(std::move(run))) return;
  HttpResponse busy = InfluxError(429, "too many queries running and waiting; retry later");
  busy.headers.emplace_back("Retry-After", "1");
  (*reply)(std::move(busy));
}

HttpResponse InfluxQueryHandler::Run(const HttpRequest& request) {
  // Form values win over the URL's, as in InfluxDB (r.FormValue).
  std::vector<std::pair<std::string, std::string>> params;
  if (request.method == "POST" && IsForm(request)) params = ParseForm(request.body);
  auto param = [&](const char* name) -> std::optional<std::string> {
    for (const auto& [k, v] : params) {
      if (k == name) return v;
    }
    return request.Query(name);
  };
  const std::optional<std::string> q = param("q");
  if (!q || q->find_first_not_of(" \t\r\n;") == std::string::npos)
    return InfluxError(400, "missing required parameter \"q\"");
  Result<std::vector<influxql::Statement>> statements = influxql::ParseQuery(*q);
  if (!statements.ok()) return InfluxError(400, statements.status().message());
  influxql::ExecOptions options;
  options.database = param("db").value_or("");
  const DatabaseScope& scope = ScopeOf(request);
  if (!options.database.empty()) {
    if (Status st = scope.Check(options.database); !st.ok()) return InfluxError(403, st.message());
  }
  options.retention_policy = param("rp").value_or("");
  options.now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  // CREATE and DROP need an admin token and a POST (a GET, or a link, never changes data).
  options.may_write = request.method == "POST" && HasPermission(request, Permission::kAdmin);
  options.max_points = max_points_;
  // A scoped token sees the catalogue through its scope; naming another database anywhere
  // refuses the whole request, as InfluxDB does for an unauthorized query.
  influxql::ScopedCatalog scoped(catalog_, scope);
  const std::vector<influxql::StatementResult> results =
      influxql::Execute(*statements, options, scope.unrestricted() ? catalog_ : &scoped);
  if (Status st = scoped.denied(); !st.ok()) return InfluxError(403, st.message());
  const std::optional<int64_t> epoch = influxql::EpochDivisor(param("epoch"));
  HttpResponse r;
  const std::string_view accept = request.Header("accept");
  if (accept.find("application/csv") != std::string_view::npos ||
      accept.find("text/csv") != std::string_view::npos) {
    r.content_type = "text/csv";
    r.body = influxql::WriteCsv(results, epoch);
  } else if (const std::optional<std::string> chunked = param("chunked");
             chunked && (*chunked == "true" || *chunked == "1")) {
    size_t chunk_size = 10000;
    if (const std::optional<std::string> n = param("chunk_size")) {
      const long long v = std::atoll(n->c_str());
      if (v > 0) chunk_size = static_cast<size_t>(v);
    }
    r.body = influxql::WriteChunkedJson(results, epoch, chunk_size);
  } else {
    const std::optional<std::string> pretty = param("pretty");
    r.body = influxql::WriteJson(results, epoch, pretty && (*pretty == "true" || *pretty == "1"));
  }
  AddInfluxHeaders(&r);
  return r;
}

}  // namespace arc
