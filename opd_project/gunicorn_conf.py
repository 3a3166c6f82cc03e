"""gunicorn settings: ``gunicorn -c python:opd_project.gunicorn_conf opd_project.wsgi``.

Only the access log is decided here (docs/production.md, "Logs"); workers, bind
address and timeouts stay on the command line or in ``GUNICORN_CMD_ARGS``.
"""

accesslog = "-"
# %(U)s is the path WITHOUT the query string: the desk's search (?q=) may hold a
# phone number. The X-Request-ID the app answered with joins this line to its logs.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'
