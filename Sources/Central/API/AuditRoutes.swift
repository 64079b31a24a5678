import Foundation
import Hummingbird
import Models

/// The audit log's transparency endpoints, for administrators and supervisors: the verification, the latest
/// signed head, and the proofs a verifier checks on its own machine against heads it keeps.
struct AuditRoutes: Sendable {
    typealias Context = EmpowerRequestContext

    let store: any CentralStore
    /// The server's own public key; `verify` checks heads against it.
    let auditKey: AuditPublicKey?

    func register(on admin: RouterGroup<Context>) {
        admin.get("audit/verify", use: QueryParameters.only([], verify))
        admin.get("audit/head", use: QueryParameters.only([], head))
        admin.get("audit/consistency", use: QueryParameters.only(["from"], consistency))
        admin.get("audit/proof/:seq", use: QueryParameters.only([], proof))
    }

    /// `GET /v1/admin/audit/verify`: every sealed entry and head checked, with the server's key; the check is
    /// itself logged.
    @Sendable func verify(request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller([.admin, .supervisor])
        return try JSONResponse.make(try await store.verifyAudit(publicKey: auditKey, by: caller, now: Date()))
    }

    /// `GET /v1/admin/audit/head`: the newest signed head and the key that signs heads.
    @Sendable func head(request: Request, context: Context) async throws -> Response {
        _ = try context.requireCaller([.admin, .supervisor])
        return try JSONResponse.make(
            AuditHeadResponse(head: try await store.latestAuditHead()?.note, publicKey: auditKey?.text)
        )
    }

    /// `GET /v1/admin/audit/consistency?from=SIZE`: the proof that the newest head extends the tree of SIZE.
    @Sendable func consistency(request: Request, context: Context) async throws -> Response {
        _ = try context.requireCaller([.admin, .supervisor])
        guard QueryParameters.string(request.uri.queryParameters, "from") != nil else {
            throw APIError.badRequest(
                "bad-parameter",
                "The parameter 'from' (an anchored head's tree size) is missing."
            )
        }
        let from = try QueryParameters.integer(request.uri.queryParameters, "from", default: 1, range: 1...Int64.max)
        let snapshot = try await store.auditSnapshot()
        guard let latest = snapshot.heads.last, from <= latest.size, snapshot.leaves.count >= latest.size else {
            throw APIError.notFound("The audit log has no signed head of at least \(from) entries.")
        }
        let tree = MerkleTree(leafHashes: snapshot.leaves.map(\.contentHash))
        return try JSONResponse.make(
            AuditConsistencyResponse(head: latest.note, proof: tree.consistencyProof(old: from, new: latest.size))
        )
    }

    /// `GET /v1/admin/audit/proof/SEQ`: entry SEQ's inclusion proof against the newest head.
    @Sendable func proof(request: Request, context: Context) async throws -> Response {
        _ = try context.requireCaller([.admin, .supervisor])
        guard let text = context.parameters.get("seq"), let seq = Int64(text), seq > 0 else {
            throw APIError.badRequest("bad-parameter", "The entry must be its number, a whole number from 1.")
        }
        guard let body = try await store.auditEntryBody(seq: seq) else {
            throw APIError.notFound("There is no audit entry \(seq).")
        }
        guard let proof = AuditInclusionProof.make(seq: seq, body: body, snapshot: try await store.auditSnapshot())
        else {
            throw APIError(
                .conflict,
                code: "not-sealed",
                message: "Audit entry \(seq) is not sealed yet; the sealer takes it within a second or so."
            )
        }
        return try JSONResponse.make(proof)
    }
}
