/* app.js - the central office's dashboard: log in through the people's API
 * (POST /api/v1/login, a session cookie), then fetch the statistics
 * (/api/v1/stats/...) and draw each chart as inline SVG. No framework, no
 * network but the centre itself (offline deployments; the page's
 * Content-Security-Policy allows nothing else). Every drawn bar carries its
 * number: class "datum", data-series, data-key (the bucket, "" for none)
 * and data-value (the exact integer the API gave), with a <title>; each
 * chart has a data table under it and says data-state="loading", "ready"
 * or "error" on its <figure>. Errors are shown, never swallowed.
 * docs/dashboard.md. */
'use strict';

(function () {
	var SVGNS = 'http://www.w3.org/2000/svg';
	var FLOW_SERIES = [
		{ name: 'entries', label: 'Entries' },
		{ name: 'exits', label: 'Exits' },
		{ name: 'net', label: 'Net (entries - exits)' }
	];
	var COUNT_SERIES = [{ name: 'count', label: 'Count' }];
	var KIND_LABELS = {
		watchlist_entry_ban: 'Watchlist: entry ban',
		watchlist_exit_ban: 'Watchlist: exit ban',
		watchlist_wanted: 'Watchlist: wanted',
		document_alert_lost: 'Document lost',
		document_alert_stolen: 'Document stolen',
		document_alert_invalidated: 'Document invalidated',
		document_alert_revoked: 'Document revoked'
	};

	function $(id) {
		return document.getElementById(id);
	}

	function HttpError(status, field, message) {
		this.name = 'HttpError';
		this.status = status;
		this.field = field || '';
		this.message = message || ('HTTP ' + status);
	}
	HttpError.prototype = Object.create(Error.prototype);

	/* One request to the centre; resolves with the parsed JSON body or
	 * rejects with an HttpError carrying the API's error message. */
	function api(method, path, body) {
		var opt = {
			method: method,
			credentials: 'same-origin',
			headers: { 'Accept': 'application/json' }
		};
		if (body !== undefined) {
			opt.headers['Content-Type'] = 'application/json';
			opt.body = JSON.stringify(body);
		}
		return fetch(path, opt).then(function (res) {
			return res.text().then(function (text) {
				var data = null, e;
				if (text !== '') {
					try {
						data = JSON.parse(text);
					} catch (x) {
						throw new HttpError(res.status, '',
						    'the centre did not answer JSON (HTTP ' +
						    res.status + ')');
					}
				}
				if (!res.ok) {
					e = data && data.error ? data.error : {};
					throw new HttpError(res.status, e.field,
					    e.message || res.statusText);
				}
				return data;
			});
		});
	}

	function describe(err) {
		if (err instanceof HttpError)
			return (err.status ? err.status + ' ' : '') +
			    (err.field ? err.field + ': ' : '') + err.message;
		return String(err && err.message ? err.message : err);
	}

	function showError(msg) {
		var box = $('error');
		if (msg) {
			box.textContent = msg;
			box.hidden = false;
		} else {
			box.textContent = '';
			box.hidden = true;
		}
	}

	function el(name, attrs, text) {
		var e = document.createElement(name), k;
		for (k in attrs || {})
			e.setAttribute(k, attrs[k]);
		if (text !== undefined)
			e.textContent = text;
		return e;
	}

	function svg(name, attrs, text) {
		var e = document.createElementNS(SVGNS, name), k;
		for (k in attrs || {})
			e.setAttribute(k, attrs[k]);
		if (text !== undefined)
			e.textContent = text;
		return e;
	}

	function num(v) {
		return typeof v === 'number' ? v : 0;
	}

	/* Clears a figure to its caption and sets its state. */
	function resetFigure(fig, state) {
		var cap = fig.querySelector('figcaption');
		while (fig.lastChild && fig.lastChild !== cap)
			fig.removeChild(fig.lastChild);
		while (fig.firstChild && fig.firstChild !== cap)
			fig.removeChild(fig.firstChild);
		fig.setAttribute('data-state', state);
		fig.setAttribute('aria-busy', state === 'loading' ? 'true' :
		    'false');
	}

	function figureError(fig, err) {
		resetFigure(fig, 'error');
		fig.appendChild(el('p', { 'class': 'error', role: 'alert' },
		    'Could not load: ' + describe(err)));
	}

	/*
	 * A grouped bar chart: for every key, one bar per series, from the
	 * zero line up (or down for a negative value). opts: keys (strings),
	 * label(key), series [{name, label}], value(series, key) -> integer.
	 */
	function barChart(fig, opts) {
		var keys = opts.keys, series = opts.series;
		/* Drawn at the figure's own width (one unit a pixel), wider
		 * only when there are many bars: the figure then scrolls. */
		var W = Math.max(fig.clientWidth - 40, 320,
		    60 + keys.length * 6 * series.length);
		var H = 300, ml = 56, mr = 12, mt = 12, mb = 96;
		var pw = W - ml - mr, ph = H - mt - mb;
		var lo = 0, hi = 0, i, j, v, k, s, every, band, bw, y0, x, y, h;
		var root, g, rect, tid = fig.id + '-title';
		var caption = fig.querySelector('figcaption').textContent;

		resetFigure(fig, 'loading');
		for (i = 0; i < keys.length; i++)
			for (j = 0; j < series.length; j++) {
				v = opts.value(series[j].name, keys[i]);
				if (v < lo)
					lo = v;
				if (v > hi)
					hi = v;
			}
		if (hi === lo)
			hi = lo + 1;
		function ypos(val) {
			return mt + (hi - val) / (hi - lo) * ph;
		}
		root = svg('svg', {
			viewBox: '0 0 ' + W + ' ' + H,
			width: W,
			height: H,
			role: 'img',
			'aria-labelledby': tid,
			'class': 'plot',
			'data-chart': fig.id,
			preserveAspectRatio: 'xMinYMin meet'
		});
		root.appendChild(svg('title', { id: tid }, caption));
		root.appendChild(svg('desc', {}, keys.length === 0 ?
		    'No data in this range.' : keys.length +
		    ' groups; the exact numbers are in the table below.'));
		/* Axis and gridlines: lo, 0, hi. */
		[lo, 0, hi].forEach(function (t, n) {
			if (n === 1 && (t === lo || t === hi))
				return;
			root.appendChild(svg('line', { x1: ml, x2: W - mr,
			    y1: ypos(t), y2: ypos(t),
			    'class': t === 0 ? 'axis' : 'gridline' }));
			root.appendChild(svg('text', { x: ml - 6,
			    y: ypos(t) + 4, 'class': 'tick',
			    'text-anchor': 'end' }, String(t)));
		});
		if (keys.length === 0)
			root.appendChild(svg('text', { x: ml + pw / 2,
			    y: mt + ph / 2, 'class': 'empty',
			    'text-anchor': 'middle' }, 'No data'));
		band = keys.length ? pw / keys.length : pw;
		bw = band * 0.8 / series.length;
		every = Math.max(1, Math.ceil(keys.length / 16));
		y0 = ypos(0);
		for (i = 0; i < keys.length; i++) {
			k = keys[i];
			g = svg('g', { 'class': 'group', 'data-key': k });
			for (j = 0; j < series.length; j++) {
				s = series[j];
				v = opts.value(s.name, k);
				x = ml + i * band + band * 0.1 + j * bw;
				y = v >= 0 ? ypos(v) : y0;
				h = Math.abs(ypos(v) - y0);
				rect = svg('rect', {
					x: x.toFixed(2), y: y.toFixed(2),
					width: Math.max(bw - 1, 1).toFixed(2),
					height: h.toFixed(2),
					'class': 'datum s-' + s.name,
					'data-series': s.name,
					'data-key': k,
					'data-value': String(v)
				});
				rect.appendChild(svg('title', {}, s.label + ', ' +
				    opts.label(k) + ': ' + v));
				g.appendChild(rect);
			}
			root.appendChild(g);
			if (i % every === 0)
				root.appendChild(svg('text', {
				    'class': 'xlabel', 'text-anchor': 'end',
				    transform: 'translate(' +
				    (ml + i * band + band / 2).toFixed(2) + ',' +
				    (H - mb + 12) + ') rotate(-40)' },
				    opts.label(k)));
		}
		fig.appendChild(root);
		if (series.length > 1)
			fig.appendChild(legend(series));
		fig.appendChild(dataTable(opts));
		fig.setAttribute('data-state', 'ready');
		fig.setAttribute('aria-busy', 'false');
	}

	function legend(series) {
		var ul = el('ul', { 'class': 'legend' }), li;
		series.forEach(function (s) {
			li = el('li');
			li.appendChild(el('span', { 'class': 'swatch s-' + s.name,
			    'aria-hidden': 'true' }));
			li.appendChild(document.createTextNode(s.label));
			ul.appendChild(li);
		});
		return ul;
	}

	/* The chart's numbers as a table, the text alternative. */
	function dataTable(opts) {
		var d = el('details', { 'class': 'table' });
		var t = el('table'), tr = el('tr'), body = el('tbody');
		d.appendChild(el('summary', {}, 'Table'));
		tr.appendChild(el('th', { scope: 'col' }, ''));
		opts.series.forEach(function (s) {
			tr.appendChild(el('th', { scope: 'col' }, s.label));
		});
		t.appendChild(el('thead')).appendChild(tr);
		opts.keys.forEach(function (k) {
			var row = el('tr');
			row.appendChild(el('th', { scope: 'row' }, opts.label(k)));
			opts.series.forEach(function (s) {
				row.appendChild(el('td', {},
				    String(opts.value(s.name, k))));
			});
			body.appendChild(row);
		});
		t.appendChild(body);
		d.appendChild(t);
		return d;
	}

	/* Flows answer -> chart: keys from the rows' bucket (by day or
	 * month) or key (by post or nationality). */
	function drawFlows(fig, data, keyField) {
		var vals = {}, keys = [];
		data.rows.forEach(function (r) {
			var k = r[keyField];
			if (!(k in vals))
				keys.push(k);
			vals[k] = r;
		});
		barChart(fig, {
			keys: keys,
			label: function (k) { return k; },
			series: FLOW_SERIES,
			value: function (s, k) { return num(vals[k][s]); }
		});
	}

	/* [{key, count}] -> chart; a null key is drawn as data-key "". */
	function drawCounts(fig, rows, label) {
		var vals = {}, keys = [];
		rows.forEach(function (r) {
			var k = r.key === null ? '' : String(r.key);
			keys.push(k);
			vals[k] = num(r.count);
		});
		barChart(fig, {
			keys: keys,
			label: label,
			series: COUNT_SERIES,
			value: function (s, k) { return vals[k]; }
		});
	}

	function ago(s) {
		if (s === null || s === undefined)
			return 'never';
		if (s < 120)
			return s + ' s ago';
		if (s < 7200)
			return Math.floor(s / 60) + ' min ago';
		if (s < 172800)
			return Math.floor(s / 3600) + ' h ago';
		return Math.floor(s / 86400) + ' days ago';
	}

	function drawPosts(fig, data) {
		var t = el('table', { 'class': 'posts' }), head = el('tr');
		var body = el('tbody');
		var cols = [
			['code', 'Post'], ['name', 'Name'], ['status', 'Status'],
			['last_contact_at', 'Last contact'],
			['unsent', 'Unsent crossings'],
			['audit_unsent', 'Unsent audit events'],
			['feed_cursor', 'Feed cursor'],
			['feed_behind', 'Behind the feed head'],
			['feed_age_s', 'Feed age']
		];
		resetFigure(fig, 'loading');
		cols.forEach(function (c) {
			head.appendChild(el('th', { scope: 'col' }, c[1]));
		});
		t.appendChild(el('thead')).appendChild(head);
		data.rows.forEach(function (p) {
			var cls = 'datum-row' + (p.late ? ' late' : '') +
			    (p.stale ? ' stale' : '');
			var tr = el('tr', { 'class': cls, 'data-key': p.code,
			    'data-late': String(p.late),
			    'data-stale': String(p.stale) });
			cols.forEach(function (c) {
				var v = p[c[0]], text, td;
				if (c[0] === 'last_contact_at')
					text = ago(p.contact_age_s);
				else if (c[0] === 'feed_age_s')
					text = v === null ? 'unknown' :
					    v === 0 ? 'up to date' : ago(v);
				else
					text = v === null ? '-' : String(v);
				td = el(c[0] === 'code' ? 'th' : 'td', {
				    'data-field': c[0],
				    'data-value': v === null ? '' : String(v) },
				    text);
				if (c[0] === 'code')
					td.setAttribute('scope', 'row');
				if (c[0] === 'last_contact_at' && v !== null)
					td.setAttribute('title', v);
				tr.appendChild(td);
			});
			body.appendChild(tr);
		});
		t.appendChild(body);
		fig.appendChild(t);
		fig.appendChild(el('p', { 'class': 'note' },
		    'Late (highlighted): no contact for more than ' +
		    data.late_after_s + ' s. Stale: the oldest feed entry ' +
		    'the post has not read is more than ' +
		    data.stale_after_s + ' s old. Feed head: ' +
		    (data.feed_head === undefined ? '-' : data.feed_head) +
		    (data.health ? '' : ' (no post health recorded yet)') +
		    '.'));
		fig.setAttribute('data-state', 'ready');
		fig.setAttribute('aria-busy', 'false');
	}

	function qs(params) {
		var parts = [], k;
		for (k in params)
			if (params[k])
				parts.push(encodeURIComponent(k) + '=' +
				    encodeURIComponent(params[k]));
		return parts.length ? '?' + parts.join('&') : '';
	}

	/* Loads one chart; a 401 sends the user back to the login form. */
	function load(id, path, draw) {
		var fig = $(id);
		resetFigure(fig, 'loading');
		return api('GET', path).then(function (data) {
			draw(fig, data);
		}).catch(function (err) {
			if (err instanceof HttpError && err.status === 401) {
				showLogin('Your session has ended; log in again.');
				return;
			}
			figureError(fig, err);
			showError('A chart could not be loaded: ' + describe(err));
		});
	}

	function loadAll() {
		var from = $('range-from').value, to = $('range-to').value;
		var range = { from: from, to: to };
		showError('');
		return Promise.all([
			load('flows-day', '/api/v1/stats/flows' +
			    qs({ from: from, to: to, by: 'day' }),
			    function (f, d) {
				$('zone').textContent = 'Days in ' + d.timezone +
				    ' (the stay policy\'s time zone).';
				drawFlows(f, d, 'bucket');
			}),
			load('flows-month', '/api/v1/stats/flows' +
			    qs({ to: to, by: 'month' }),
			    function (f, d) { drawFlows(f, d, 'bucket'); }),
			load('flows-post', '/api/v1/stats/flows' +
			    qs({ from: from, to: to, by: 'all', group: 'post' }),
			    function (f, d) { drawFlows(f, d, 'key'); }),
			load('flows-nationality', '/api/v1/stats/flows' +
			    qs({ from: from, to: to, by: 'all',
			    group: 'nationality' }),
			    function (f, d) { drawFlows(f, d, 'key'); }),
			load('over-nationality',
			    '/api/v1/stats/overstayers?by=nationality',
			    function (f, d) {
				drawCounts(f, d.rows, function (k) { return k; });
			}),
			load('over-region', '/api/v1/stats/overstayers?by=region',
			    function (f, d) {
				drawCounts(f, d.rows, function (k) {
					return k === '' ? 'not registered' : k;
				});
			}),
			load('hits-kind', '/api/v1/stats/hits' + qs(range),
			    function (f, d) {
				drawCounts(f, d.totals, function (k) {
					return KIND_LABELS[k] || k;
				});
			}),
			load('posts', '/api/v1/stats/posts', drawPosts)
		]).then(function () {
			document.body.setAttribute('data-loaded', 'true');
		});
	}

	/* The default range: the server's (today in the policy's zone, the
	 * last 30 days), from a flows answer without parameters. */
	function showDash(me) {
		$('login').hidden = true;
		$('dash').hidden = false;
		$('who').hidden = false;
		$('user').textContent = (me.display_name || me.name ||
		    me.user || '') + (me.name ? ' [' + me.name + ']' : '') +
		    (me.roles ?
		    ' (' + me.roles.join(', ') + ')' : '');
		document.body.removeAttribute('data-loaded');
		return api('GET', '/api/v1/stats/flows').then(function (d) {
			$('range-from').value = d.from;
			$('range-to').value = d.to;
			return loadAll();
		}).catch(function (err) {
			if (err instanceof HttpError && err.status === 401)
				showLogin('Your session has ended; log in again.');
			else
				showError('Could not load the dashboard: ' +
				    describe(err));
		});
	}

	function showLogin(msg) {
		$('dash').hidden = true;
		$('who').hidden = true;
		$('login').hidden = false;
		document.body.removeAttribute('data-loaded');
		var e = $('login-error');
		e.textContent = msg || '';
		e.hidden = !msg;
		$('login-password').value = '';
		$('login-user').focus();
	}

	function onLogin(ev) {
		var user = $('login-user').value, pw = $('login-password').value;
		ev.preventDefault();
		$('login-submit').disabled = true;
		api('POST', '/api/v1/login', { user: user, password: pw })
		    .then(function () {
			$('login-password').value = '';
			$('login-error').hidden = true;
			return api('GET', '/api/v1/me');
		}).then(showDash).catch(function (err) {
			var e = $('login-error');
			$('login-password').value = '';
			e.textContent = err instanceof HttpError &&
			    err.status === 401 ? 'Wrong user or password.' :
			    'Could not log in: ' + describe(err);
			e.hidden = false;
		}).then(function () {
			$('login-submit').disabled = false;
		});
	}

	function onLogout() {
		api('POST', '/api/v1/logout', {}).then(function () {
			showLogin('Logged out.');
		}).catch(function (err) {
			showError('Could not log out: ' + describe(err));
		});
	}

	function onRange(ev) {
		ev.preventDefault();
		document.body.removeAttribute('data-loaded');
		loadAll();
	}

	function start() {
		$('login-form').addEventListener('submit', onLogin);
		$('logout').addEventListener('click', onLogout);
		$('range').addEventListener('submit', onRange);
		window.addEventListener('unhandledrejection', function (ev) {
			showError('Unexpected error: ' + describe(ev.reason));
		});
		window.addEventListener('error', function (ev) {
			showError('Unexpected error: ' + ev.message);
		});
		api('GET', '/api/v1/me').then(showDash).catch(function (err) {
			if (err instanceof HttpError && err.status === 401)
				showLogin('');
			else {
				showLogin('');
				showError('The centre did not answer: ' +
				    describe(err));
			}
		});
	}

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', start);
	else
		start();
})();
