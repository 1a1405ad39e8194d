{application,audit_log,
             [{description,"Audit entry formatting (library application, new in shop 1.1.0)"},
              {vsn,"0.1.0"},
              {registered,[]},
              {applications,[kernel,stdlib]},
              {env,[]},
              {modules,[audit_log]}]}.
