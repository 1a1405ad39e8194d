{application,shop,
             [{description,"Example shop: a cart server and pricing"},
              {vsn,"1.1.0"},
              {registered,[shop_sup,shop_cart,shop_audit]},
              {mod,{shop_app,[]}},
              {applications,[kernel,stdlib,catalog,audit_log]},
              {env,[{currency,eur},{vat_percent,20}]},
              {modules,[shop_app,shop_audit,shop_cart,shop_price,shop_sup,
                        shop_tax,shop_util]}]}.
