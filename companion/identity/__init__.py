"""Identity from outside: single sign-on (OpenID Connect) and provisioning (SCIM 2.0)."""
