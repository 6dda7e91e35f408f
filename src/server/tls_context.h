// The server's TLS configuration (docs/protocol.md, "TLS"): TLS 1.2+ with a certificate chain
// and its private key read from PEM files.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "common/file_system.h"
#include "common/result.h"

namespace arc {

// Reads the PEM certificate chain (leaf first) at `cert_path` and the unencrypted PEM private
// key at `key_path` through `fs`, checks that the key belongs to the certificate, and returns
// a server context for TLS 1.2 and 1.3. Errors are InvalidArgument naming the key
// (server.tls_cert / server.tls_key), the path and the problem. The context is shared by all
// connections (OpenSSL makes that safe).
Result<std::shared_ptr<boost::asio::ssl::context>> LoadServerTls(FileSystem* fs,
                                                                 const std::string& cert_path,
                                                                 const std::string& key_path);

}  // namespace arc
