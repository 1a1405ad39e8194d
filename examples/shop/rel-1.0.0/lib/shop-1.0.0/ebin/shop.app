{application,shop,
             [{description,"Example shop: a cart server and pricing"},
              {vsn,"1.0.0"},
              {registered,[shop_sup,shop_cart]},
              {mod,{shop_app,[]}},
              {applications,[kernel,stdlib,catalog,old_metrics]},
              {env,[{currency,eur}]},
              {modules,[shop_app,shop_cart,shop_legacy,shop_price,shop_sup,
                        shop_util]}]}.
