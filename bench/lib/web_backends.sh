# Sourced after lib/processes.sh: start_web_backends PORT... serves $TMP/www on each port of 127.0.0.1 from one
# nginx worker (no access log, backlog 4096, keep-alive unbounded), as the process group "backends", and waits
# until every port listens. The caller fills $TMP/www (readable by nginx's unprivileged worker).
start_web_backends() {
    local servers="" port
    for port in "$@"; do servers+="    server { listen 127.0.0.1:$port backlog=4096; root $TMP/www; }"$'\n'; done
    mkdir -p "$TMP/temp"
    cat > "$TMP/backends.conf" <<CONF
daemon off;
worker_processes 1;
pid $TMP/backends.pid;
error_log $TMP/backends-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $TMP/temp/b; proxy_temp_path $TMP/temp/p; fastcgi_temp_path $TMP/temp/f;
    uwsgi_temp_path $TMP/temp/u; scgi_temp_path $TMP/temp/s;
    default_type application/octet-stream;
    keepalive_requests 1000000;
$servers}
CONF
    start backends nginx -p "$TMP" -c "$TMP/backends.conf"
    for port in "$@"; do wait_port "$port"; done
}
