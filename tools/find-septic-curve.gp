\\ Finds the curve of Tessera's multiset hash (docs/multiset-hash.md): the first
\\ y^2 = x^3 + a*x + b*z over F_{p^7} = F_p[z]/(z^7 - z - 7), p = 2^31 - 2^24 + 1 (KoalaBear),
\\ in the order a = 1, 2, ...; b = 1..16, whose number of points is prime.
\\ Run: gp -q tools/find-septic-curve.gp < /dev/null   (PARI/GP, Debian package pari-gp)
default(parisizemax, 2^30);
p = 2^31 - 2^24 + 1;
P = Mod(1, p) * (t^7 - t - 7);
if (!polisirreducible(P), error("z^7 - z - 7 is reducible"));
g = ffgen(P, 'z);
{
for (a = 1, 64,
  for (b = 1, 16,
    E = ellinit([a, b * g], g);
    \\ ellsea(E, 1) gives up (returns 0) as soon as a small prime divides the order.
    n = ellsea(E, 1);
    if (n && isprime(n),
      print("a = ", a, ", b = ", b, "*z: ", n, " points (prime, ", #binary(n), " bits)");
      quit)));
}
