{application,catalog,
             [{description,"Read-only product catalogue (library application)"},
              {vsn,"1.0.0"},
              {registered,[]},
              {applications,[kernel,stdlib]},
              {env,[]},
              {modules,[catalog]}]}.
