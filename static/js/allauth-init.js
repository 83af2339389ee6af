// Starts django-allauth's WebAuthn and recovery-code helpers (static files of
// allauth.mfa) from data attributes, since the CSP allows no inline script:
//   <div hidden data-allauth-init="allauth.webauthn.forms.addForm" data-allauth-args='{"ids": …, "data": …}'></div>
// Controls that need WebAuthn carry data-needs-webauthn and stay hidden
// without JavaScript or without browser support.
(function () {
  'use strict'

  function start () {
    if (window.PublicKeyCredential) {
      document.querySelectorAll('[data-needs-webauthn]').forEach(function (element) {
        element.hidden = false
      })
      document.querySelectorAll('[data-without-webauthn]').forEach(function (element) {
        element.hidden = true
      })
    }
    document.querySelectorAll('[data-allauth-init]').forEach(function (element) {
      var path = element.dataset.allauthInit
      if (path.indexOf('allauth.') !== 0) return
      var func = path.split('.').reduce(function (object, key) { return object && object[key] }, window)
      if (typeof func === 'function') func(JSON.parse(element.dataset.allauthArgs || '{}'))
    })
  }

  // A failed or cancelled key ceremony: say so where the page keeps its message.
  document.addEventListener('allauth.error', function (event) {
    var message = document.querySelector('[data-webauthn-error]')
    if (message) {
      event.preventDefault()
      message.hidden = false
      message.focus()
    }
  })

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start)
  } else {
    start()
  }
})()
