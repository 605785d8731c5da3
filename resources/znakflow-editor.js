/* ZnakFlow editor helpers, shared by every node dialog of the pack.
 * Loaded once per editor page by each node's HTML (guarded), served by Node-RED at
 * resources/@znakflow/node-red/znakflow-editor.js (relative URL, so httpAdminRoot works). */
(function () {
  'use strict';
  if (window.ZnakFlow) {
    return;
  }
  var ENV_REF = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/;

  function hasEnv(v) {
    return typeof v === 'string' && ENV_REF.test(v);
  }

  function innError(v) {
    if (typeof v !== 'string' || !/^\d+$/.test(v)) {
      return 'digits';
    }
    var d = v.split('').map(Number);
    function cd(w) {
      var s = 0;
      for (var i = 0; i < w.length; i++) {
        s += d[i] * w[i];
      }
      return (s % 11) % 10;
    }
    if (v.length === 10) {
      return cd([2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[9] ? null : 'checksum';
    }
    if (v.length === 12) {
      var ok11 = cd([7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[10];
      var ok12 = cd([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[11];
      return ok11 && ok12 ? null : 'checksum';
    }
    return 'length';
  }

  function t(key) {
    return RED._('@znakflow/node-red/cz-connection:znakflow.validation.' + key);
  }

  var validators = {
    /** An INN with a valid check digit, or a ${VAR} reference. */
    inn: function (allowBlank) {
      return function (v, opt) {
        if ((v === '' || v === undefined) && allowBlank) {
          return true;
        }
        if (hasEnv(v)) {
          return true;
        }
        var e = innError(v);
        if (e === null) {
          return true;
        }
        return opt ? t('inn-' + e) : false;
      };
    },
    /** An http(s) URL, possibly with ${VAR} parts. */
    url: function (allowBlank) {
      return function (v, opt) {
        if ((v === '' || v === undefined) && allowBlank) {
          return true;
        }
        if (hasEnv(v)) {
          return true;
        }
        var ok = /^https?:\/\/[^\s/$.?#][^\s]*$/i.test(v || '');
        return ok ? true : opt ? t('url') : false;
      };
    },
    /** A whole number within bounds, or a ${VAR} reference. */
    int: function (min, max, allowBlank) {
      return function (v, opt) {
        if ((v === '' || v === undefined) && allowBlank) {
          return true;
        }
        if (hasEnv(String(v))) {
          return true;
        }
        var n = Number(v);
        var ok = Number.isInteger(n) && n >= min && n <= max;
        return ok ? true : opt ? t('int').replace('__min__', min).replace('__max__', max) : false;
      };
    },
  };

  /** Node-RED's settings name of a node type: `cz-send` → `czSend` (mirrors nodes/shared/register.ts). */
  function settingsPrefix(type) {
    var camel = type
      .replace(/[^a-zA-Z0-9]/g, ' ')
      .trim()
      .split(/ +/)
      .map(function (w, i) {
        return i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1);
      })
      .join('');
    return camel.charAt(0).toLowerCase() + camel.slice(1);
  }

  /**
   * A node's `defaults` for RED.nodes.registerType, built from the defaults the runtime serves
   * (RED.settings.<camelType>Defaults, from the node's model.ts: the one source of the defaults).
   * `props` adds what only the editor knows (required, validate, a config-node type) to properties the
   * runtime declares; a property the runtime does not declare is a mistake and is refused.
   */
  function nodeDefaults(type, props) {
    var name = settingsPrefix(type) + 'Defaults';
    var served = RED.settings[name];
    if (!served || typeof served !== 'object') {
      throw new Error('ZnakFlow: the runtime serves no ' + name + ' for ' + type);
    }
    var out = {};
    Object.keys(served).forEach(function (k) {
      out[k] = { value: served[k] };
    });
    Object.keys(props || {}).forEach(function (k) {
      if (!out[k]) {
        throw new Error('ZnakFlow: ' + type + '.' + k + ' has no default in the runtime (model.ts)');
      }
      Object.keys(props[k]).forEach(function (p) {
        out[k][p] = props[k][p];
      });
    });
    return out;
  }

  /**
   * The values of one of a node type's lists, as the runtime's schema knows them
   * (RED.settings.<camelType>Choices, from the node's model.ts; nodes/shared/register.ts).
   */
  function choices(type, prop) {
    var name = settingsPrefix(type) + 'Choices';
    var served = RED.settings[name];
    var list = served && served[prop];
    if (!Array.isArray(list)) {
      throw new Error('ZnakFlow: the runtime serves no ' + name + '.' + prop + ' for ' + type);
    }
    return list.slice();
  }

  /**
   * Bring a node's properties up to the current flow-schema version (mirrors nodes/shared/migrate.ts).
   * `defaults` is the node type's definition (built by nodeDefaults from the runtime's defaults); the
   * version is its `version` default unless given.
   */
  function upgrade(node, defaults, version) {
    // A property the flow lacks (a flow written before it was added) gets its default whatever the version,
    // as the runtime reads it: an empty form field saved by Done would otherwise change what the node does
    // (e.g. an empty «Retry, min» means no retries).
    // The form was filled from the node before oneditprepare runs, so its field is set too.
    Object.keys(defaults).forEach(function (k) {
      if (node[k] === undefined || node[k] === null) {
        var v = defaults[k].value;
        node[k] = v === undefined ? v : JSON.parse(JSON.stringify(v));
        if (v === null || typeof v === 'object' || typeof $ === 'undefined') return;
        $('#node-input-' + k + ', #node-config-input-' + k).each(function () {
          if (this.type === 'checkbox') $(this).prop('checked', !!v);
          else $(this).val(v);
        });
      }
    });
    node.version = version === undefined && defaults.version ? defaults.version.value : version;
  }

  /** Ask a runtime admin endpoint of the pack (relative URL, editor permissions apply). */
  function adminPost(path, body, done) {
    $.ajax({
      url: path,
      type: 'POST',
      contentType: 'application/json',
      data: JSON.stringify(body || {}),
      success: function (data) {
        done(null, data);
      },
      error: function (xhr) {
        var msg =
          (xhr.responseJSON && (xhr.responseJSON.message || xhr.responseJSON.error)) || xhr.statusText;
        done(new Error(msg), xhr.responseJSON);
      },
    });
  }

  /** Product-group codes (pg) of Честный ЗНАК, as in lib/cz/product-groups.ts (a unit test keeps them equal). */
  var PRODUCT_GROUPS = [
    'lp',
    'shoes',
    'tobacco',
    'perfumery',
    'tires',
    'electronics',
    'milk',
    'bicycle',
    'wheelchairs',
    'alcohol',
    'otp',
    'water',
    'furs',
    'beer',
    'ncp',
    'bio',
    'antiseptic',
    'petfood',
    'seafood',
    'nabeer',
    'softdrinks',
    'meat',
    'vetpharma',
    'toys',
    'radio',
    'titan',
    'conserve',
    'vegetableoil',
    'opticfiber',
    'chemistry',
    'books',
    'grocery',
    'pharmaraw',
    'construction',
    'fire',
    'heater',
    'cableraw',
    'autofluids',
    'polymer',
    'sweets',
    'carparts',
    'furslp',
    'nicotindev',
    'gadgets',
    'frozen',
    'fertilizers',
    'homeware',
    'vetbio',
  ];

  window.ZnakFlow = {
    productGroups: PRODUCT_GROUPS,
    validators: validators,
    innError: innError,
    hasEnv: hasEnv,
    upgrade: upgrade,
    nodeDefaults: nodeDefaults,
    choices: choices,
    settingsPrefix: settingsPrefix,
    adminPost: adminPost,
  };
})();
