# Sourced by the scripts that set JVS beside its peers (nat_compare.sh, nat_floor.sh), so that each runs them
# configured alike: HAProxy in mode tcp and nginx stream, one thread or worker per core, no logging, round robin
# over the two web backends on 127.0.0.1. Each prints a configuration file; EXTRA is added where the caller needs
# more (HAProxy: sections after the web backend; nginx: servers and upstreams inside stream {}).

haproxy_config() { # THREADS WEB_PORT BACKEND1 BACKEND2 [EXTRA]
    cat <<CONF
global
    nbthread $1
    maxconn 9000
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend web
    bind 127.0.0.1:$2
    default_backend web
backend web
    balance roundrobin
    server b1 127.0.0.1:$3
    server b2 127.0.0.1:$4
${5:-}
CONF
}

nginx_stream_config() { # WORKERS WEB_PORT BACKEND1 BACKEND2 DIR [EXTRA]: DIR holds its pid and error log
    cat <<CONF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
daemon off;
worker_processes $1;
worker_rlimit_nofile 100000;
pid $5/lb-nginx.pid;
error_log $5/lb-nginx-error.log crit;
events { worker_connections 50000; }
stream {
    access_log off;
    upstream web { server 127.0.0.1:$3; server 127.0.0.1:$4; }
    server { listen 127.0.0.1:$2 reuseport backlog=4096; proxy_pass web; }
${6:-}
}
CONF
}
