"""What the HTML pages share: who is signed in, CSRF checks, forms and error pages."""
