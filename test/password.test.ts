import { describe, expect, it } from "vitest";
import {
  assertDeployableIterations,
  DUMMY_PASSWORD_HASH,
  hashPassword,
  PBKDF2_ITERATIONS,
  PBKDF2_MAX_ITERATIONS,
  verifyPassword,
} from "../src/lib/password";

describe("password hashing", () => {
  it("uses the production PBKDF2 cap, never more", () => {
    expect(PBKDF2_MAX_ITERATIONS).toBe(100_000);
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(PBKDF2_MAX_ITERATIONS);
    expect(() => assertDeployableIterations(PBKDF2_ITERATIONS)).not.toThrow();
    expect(() => assertDeployableIterations(100_001)).toThrow(/100000/);
    expect(() => assertDeployableIterations(0)).toThrow();
    expect(() => assertDeployableIterations(1.5)).toThrow();
  });

  it("round-trips, salts every hash, and rejects a wrong password", async () => {
    const a = await hashPassword("correct horse battery staple");
    const b = await hashPassword("correct horse battery staple");
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse battery staple", a)).toBe(true);
    expect(await verifyPassword("correct horse battery stapl", a)).toBe(false);
  });

  it("treats malformed or over-cap stored hashes as non-matching instead of throwing", async () => {
    const good = await hashPassword("some password here");
    const [, , salt, hash] = good.split("$");
    for (const stored of [
      "",
      "plain",
      `pbkdf2-sha256$200000$${salt}$${hash}`,
      `md5$1$${salt}$${hash}`,
      `pbkdf2-sha256$100000$***$${hash}`,
    ]) {
      expect(await verifyPassword("some password here", stored)).toBe(false);
    }
  });

  it("has a well-formed dummy hash that matches nothing typed", async () => {
    expect(DUMMY_PASSWORD_HASH).toMatch(/^pbkdf2-sha256\$100000\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword("", DUMMY_PASSWORD_HASH)).toBe(false);
  });
});
