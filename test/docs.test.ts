/**
 * The API reference page and its static assets: served by this worker (assets binding), with security
 * headers on the page and the assets, and the API routes' own headers unchanged.
 */
import { describe, expect, it } from "vitest";
import { api, expectProblem } from "./helpers/api";

const expectSecurityHeaders = (headers: Headers) => {
  expect(headers.get("x-content-type-options")).toBe("nosniff");
  expect(headers.get("x-frame-options")).toBe("SAMEORIGIN");
  expect(headers.get("strict-transport-security")).toContain("max-age=");
  expect(headers.get("x-request-id")).toBeTruthy();
};

describe("GET /api/v1/docs", () => {
  it("serves the reference page with a strict Content-Security-Policy and no inline script", async () => {
    const res = await api("GET", "/api/v1/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expectSecurityHeaders(res.headers);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.text).toContain('<script src="/docs/vendor/swagger-ui-bundle.js"></script>');
    expect(res.text).toContain('<script src="/docs/init.js"></script>');
    expect(res.text).not.toMatch(/<script>[^<]/);
    // Nothing from a CDN.
    expect(res.text).not.toMatch(/https?:\/\//);
  });

  it.each([
    ["/docs/init.js", "javascript", "/api/v1/openapi.json"],
    ["/docs/vendor/swagger-ui-bundle.js", "javascript", "SwaggerUIBundle"],
    ["/docs/vendor/swagger-ui.css", "text/css", ".swagger-ui"],
  ])("serves %s from static assets with the same security headers", async (path, type, content) => {
    const res = await api("GET", path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain(type);
    expectSecurityHeaders(res.headers);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.text).toContain(content);
  });

  it("answers an unknown asset with a 404 problem", async () => {
    const res = await api("GET", "/docs/vendor/nope.js");
    expectProblem(res, 404, "route_not_found");
    expectSecurityHeaders(res.headers);
  });

  it("leaves the API routes' headers as they were (JSON, no page CSP)", async () => {
    const res = await api("GET", "/api/v1/health");
    expect(res.headers.get("content-type")).toContain("application/json");
    expectSecurityHeaders(res.headers);
    expect(res.headers.get("content-security-policy")).toBeNull();
  });
});
