# The original sample's shape: a Flask route that reads key `secret` with redis-py per request.
import os

import redis
from flask import Flask

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"])


@app.route("/")
def hello():
    secret = store.get("secret").decode("utf-8")
    return f"Hi there! The secret is {secret}.\n"
