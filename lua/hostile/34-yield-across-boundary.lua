-- expect: error: attempt to yield
coroutine.yield(1)
