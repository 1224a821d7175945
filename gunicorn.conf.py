"""gunicorn settings for Kesu: `gunicorn -c gunicorn.conf.py wsgi:app` (README, "Deploying").

Every value can be set from the environment, so one file serves a laptop, a VM and a container:

  KESU_BIND            address to listen on (default 127.0.0.1:$PORT, PORT default 8000);
                       behind nginx on the same host keep loopback; in a container use 0.0.0.0:8000
  KESU_WORKERS         worker processes (default 2 x CPU cores + 1)
  KESU_THREADS         threads per worker (default 2: a request waiting on the database or SMTP
                       does not hold the whole process)
  KESU_TIMEOUT         seconds a request may run before its worker is killed and replaced (default 30)
  KESU_GRACEFUL_TIMEOUT  seconds a worker gets to finish its requests on restart/stop (default 30)
  KESU_ACCESS_LOG      where the access log goes (default "-": stdout); KESU_LOG_LEVEL (default info)
  FORWARDED_ALLOW_IPS  gunicorn's own list of proxies trusted for X-Forwarded-Proto (default
                       127.0.0.1,::1). Client addresses and the scheme the *application* sees come
                       from KESU_PROXY_COUNT (werkzeug ProxyFix, one hop per proxy); when nginx runs
                       on another host, set FORWARDED_ALLOW_IPS to its address too, or to "*" only
                       if the app servers are reachable from the proxy alone.
"""
import multiprocessing
import os

bind = os.environ.get("KESU_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("KESU_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("KESU_THREADS") or 2)
worker_class = "gthread"
timeout = int(os.environ.get("KESU_TIMEOUT") or 30)
graceful_timeout = int(os.environ.get("KESU_GRACEFUL_TIMEOUT") or 30)
keepalive = 5  # seconds; nginx keeps upstream connections open (deploy/nginx.conf, keepalive)

# Off: every worker builds its own app after the fork, so no PostgreSQL pool, Redis connection
# or SQLite handle opened in the master is shared between processes, and `kill -HUP` (reload)
# picks up new code. The cost is a second or so of start-up per worker, once.
preload_app = False

# Heartbeat files on tmpfs: a container's overlay filesystem can stall them into false timeouts.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - gunicorn makes its own private files there

accesslog = os.environ.get("KESU_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("KESU_LOG_LEVEL", "info")
# Combined log format plus the request time in milliseconds (%(M)s) and microseconds (%(D)s),
# and the X-Forwarded-For header nginx sends.
access_log_format = ('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %(D)sus '
                     '"%({x-forwarded-for}i)s"')  # the client as nginx saw it (h is the proxy)

proc_name = "kesu"
# gunicorn >= 24 opens a control socket at one fixed path per user: two app servers on one host
# (or a test starting two) would fight over it, and Kesu does not use it.
control_socket_disable = True


def post_worker_init(worker):
    """Move the loaded app's objects (modules, routes, models, settings) out of the garbage collector's
    generations. Without it every full collection walked them all: 54 ms inside whichever request
    triggered it (the queue's p99); frozen, a full collection of what requests leave takes 0.1 ms."""
    import gc
    gc.freeze()
