// Postern's only script besides htmx: CSRF header for htmx, copy buttons,
// native <dialog> open/close (focus back to what opened it), confirm
// dialogs, menus driven by keyboard (WAI-ARIA menu button), and a toast when
// htmx gets an error answer.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  function copyText(text, button) {
    var done = function () {
      var label = button.querySelector("[data-copy-label]") || button;
      var before = label.textContent;
      label.textContent = "Copied";
      button.classList.add("is-copied");
      announce("Copied");
      setTimeout(function () {
        label.textContent = before;
        button.classList.remove("is-copied");
      }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else {
      fallbackCopy(text);
      done();
    }
  }

  // Screen readers hear `message` from a polite live region.
  function announce(message) {
    var region = document.getElementById("live-region");
    if (!region) {
      region = document.createElement("div");
      region.id = "live-region";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      document.body.appendChild(region);
    }
    region.textContent = "";
    setTimeout(function () { region.textContent = message; }, 50);
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing else to try */ }
    document.body.removeChild(area);
  }

  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      event.preventDefault();
      var source = copy.getAttribute("data-copy-from");
      var text = source ? (document.getElementById(source) || {}).textContent : copy.getAttribute("data-copy");
      copyText((text || "").trim(), copy);
      return;
    }
    var opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        closeMenus(null);
        dialog.showModal();
        var focus = dialog.querySelector("[autofocus], input:not([type=hidden]), button");
        if (focus) { focus.focus(); }
      }
      return;
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      var open = closer.closest("dialog");
      if (open) {
        event.preventDefault();
        open.close();
      }
      return;
    }
    var item = event.target.closest(".menu-item");
    closeMenus(item ? null : event.target.closest("details[data-menu]"));
  });

  // Clicking the backdrop of a modal dialog closes it.
  document.addEventListener("click", function (event) {
    if (event.target.tagName === "DIALOG" && event.target.open) {
      var box = event.target.getBoundingClientRect();
      var inside = event.clientX >= box.left && event.clientX <= box.right &&
        event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) { event.target.close(); }
    }
  });

  // A credential row's actions menu is written once per table (a
  // <template>) and filled in when the row's menu is first opened: its id
  // in each address, and Deactivate or Activate as the row's status says.
  function fillRowMenu(menu) {
    if (!menu || menu.hasAttribute("data-filled")) { return; }
    var template = document.getElementById("credential-actions");
    var row = menu.closest("tr[data-id]");
    if (!template || !row) { return; }
    var panel = menu.querySelector(".menu-panel");
    panel.innerHTML = template.innerHTML.split("_ID_").join(row.getAttribute("data-id"));
    panel.querySelectorAll("[data-when-active]").forEach(function (part) {
      if (part.getAttribute("data-when-active") !== row.getAttribute("data-active")) { part.remove(); }
    });
    menu.setAttribute("data-filled", "");
    if (window.htmx) { window.htmx.process(panel); }
  }

  document.addEventListener("click", function (event) {
    var summary = event.target.closest && event.target.closest("details[data-row-menu] > summary");
    if (summary) { fillRowMenu(summary.parentElement); }
  }, true);

  // Menus: Enter or Space on the button opens (<details> does that) and
  // focuses the first item; arrows move; Escape closes, back on the button;
  // Tab moves on and closes.
  function menuItems(menu) {
    return Array.prototype.slice.call(menu.querySelectorAll(".menu-panel .menu-item, .menu-panel .theme-option"));
  }

  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.matches || !menu.matches("details[data-menu]") || !menu.open) { return; }
    if (menu.matches("[data-row-menu]")) { fillRowMenu(menu); }
    if (document.activeElement === menu.querySelector("summary") && keyboardOpened) {
      var items = menuItems(menu);
      if (items.length) { items[0].focus(); }
    }
  }, true);

  var keyboardOpened = false;
  document.addEventListener("keydown", function (event) {
    refocusPending = false;
    keyboardOpened = event.key === "Enter" || event.key === " ";
    var menu = event.target.closest && event.target.closest("details[data-menu][open]");
    if (event.key === "Escape") {
      closeMenus(null);
      if (menu) { menu.querySelector("summary").focus(); }
      return;
    }
    if (event.key === "Tab" && menu && event.target !== menu.querySelector("summary")) {
      // Tab goes on from the menu button, so the menu closes behind it.
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
      return;
    }
    if (!menu || (event.key !== "ArrowDown" && event.key !== "ArrowUp" && event.key !== "Home" && event.key !== "End")) { return; }
    var items = menuItems(menu);
    if (!items.length) { return; }
    event.preventDefault();
    var at = items.indexOf(document.activeElement);
    var next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[event.key];
    items[(next + items.length) % items.length].focus();
  });
  document.addEventListener("mousedown", function () { keyboardOpened = false; refocusPending = false; });

  // What opened the shared dialog (a button, or the menu a menu item was
  // in): closing the dialog puts focus back there, found again by id when
  // htmx has re-rendered it meanwhile.
  var opener = null;
  var openerId = null;
  var refocusPending = false;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "modal-body" || target.closest("dialog").open) { return; }
    var menu = event.detail.elt.closest("details[data-menu]");
    opener = menu ? menu.querySelector("summary") : event.detail.elt;
    openerId = opener.id || null;
  });

  function refocusOpener() {
    if (!refocusPending) { return; }
    var target = (openerId && document.getElementById(openerId)) || (opener && opener.isConnected ? opener : null);
    if (target && (document.activeElement === document.body || !document.activeElement)) { target.focus(); }
  }

  document.addEventListener("htmx:afterSettle", refocusOpener);

  function closeMenus(except) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (menu !== except) { menu.removeAttribute("open"); }
    });
  }

  // htmx fills the shared dialog's body; open it as a modal.
  document.addEventListener("htmx:afterSwap", function (event) {
    var dialog = event.detail.target.closest && event.detail.target.closest("dialog");
    if (!dialog || !dialog.querySelector("#modal-body > *")) { return; }
    if (!dialog.open) { dialog.showModal(); }
  });

  // After htmx has settled (and applied autofocus), a field in error wins.
  document.addEventListener("htmx:afterSettle", function (event) {
    var dialog = event.detail.target.closest && event.detail.target.closest("dialog");
    if (!dialog || !dialog.open) { return; }
    var focus = dialog.querySelector("[aria-invalid=true]") || dialog.querySelector("[autofocus]") ||
      dialog.querySelector("input:not([type=hidden]), button");
    if (focus) { focus.focus(); }
  });

  document.body.addEventListener("closeModal", function () {
    document.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); });
  });

  document.body.addEventListener("showToast", function (event) {
    showToast(event.detail && event.detail.value);
  });

  // A refused htmx request (no swap) must not look like a dead button: say
  // why, and drop a dialog that was waiting for an answer.
  function refusal(status) {
    if (status === 403) { return "Your role no longer allows this. Reload the page to see what you can do."; }
    if (status === 404 || status === 410) { return "This is no longer here. Reload the page."; }
    if (status === 429) { return "Too many requests. Wait a moment and try again."; }
    if (status >= 500) { return "Postern could not answer (" + status + "). Try again in a moment."; }
    return "The request was refused (" + status + "). Reload the page and try again.";
  }

  document.addEventListener("htmx:responseError", function (event) {
    document.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); });
    showToast(refusal(event.detail.xhr.status));
  });

  document.addEventListener("htmx:sendError", function () {
    showToast("Could not reach Postern. Check the connection and try again.");
  });

  function showToast(message) {
    var area = document.getElementById("toasts");
    if (!area || !message) { return; }
    var toast = document.createElement("div");
    toast.className = "toast";
    toast.textContent = message;
    area.appendChild(toast);
    setTimeout(function () { toast.classList.add("is-leaving"); }, 3500);
    setTimeout(function () { toast.remove(); }, 4000);
  }

  // A page rendered with a dialog already open (the no-JavaScript flow, or a
  // bookmarked /new) shows it as a proper modal once script runs.
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector("main [aria-invalid=true]");
    if (invalid) { invalid.focus(); }
    document.querySelectorAll("dialog.modal[open]").forEach(function (d) {
      d.close();
      d.showModal();
    });
    // A live region is silent about what a page loads with: announce the
    // page's own message (after a form post) once it is up.
    document.querySelectorAll(".toasts .toast").forEach(function (t) {
      announce(t.textContent.trim());
      setTimeout(function () { t.classList.add("is-leaving"); }, 3500);
      setTimeout(function () { t.remove(); }, 4000);
    });
  });

  // A dialog that asks to refresh something when it closes (e.g. the table
  // after a password was shown) fires its htmx trigger.
  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (dialog.tagName !== "DIALOG") { return; }
    // A shown password must not linger in the page once the dialog is closed.
    var body = dialog.querySelector("#modal-body");
    var hadContent = body && body.children.length > 0;
    if (body) { body.innerHTML = ""; }
    if (hadContent && dialog.hasAttribute("data-refresh-on-close") && window.htmx) {
      window.htmx.trigger(document.body, dialog.getAttribute("data-refresh-on-close"));
    }
    refocusPending = true;
    setTimeout(refocusOpener, 0);
  }, true);
})();
