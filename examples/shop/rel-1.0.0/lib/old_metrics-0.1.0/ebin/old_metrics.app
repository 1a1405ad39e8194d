{application,old_metrics,
             [{description,"In-memory counters (dropped in shop 1.1.0)"},
              {vsn,"0.1.0"},
              {registered,[old_metrics_sup,old_metrics]},
              {mod,{old_metrics_app,[]}},
              {applications,[kernel,stdlib]},
              {env,[]},
              {modules,[old_metrics,old_metrics_app,old_metrics_sup]}]}.
