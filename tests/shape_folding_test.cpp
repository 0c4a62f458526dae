// Load-time folding of the shape computations exporters emit before Reshape, run through
// ir::infer_shapes on graphs built by hand.
#include "tensorops_test_util.h"

#include <gtest/gtest.h>

namespace castnet {
namespace {

using tensorops_test::attrs_with;
using tensorops_test::expect_error;
using tensorops_test::f32s;
using tensorops_test::GraphBuilder;
using tensorops_test::i64_vector;
using tensorops_test::i64s;
using tensorops_test::values_of;

// x -> Shape -> Gather(0) -> Unsqueeze(0) -> Concat([-1]) -> Reshape(x, ·): PyTorch's
// x.view(x.size(0), -1). Returns the ids of the chain's values.
struct FlattenChain {
  ir::ValueId x, shape, batch, batch_1d, target, y;
};

FlattenChain build_flatten_chain(GraphBuilder& b, const Shape& x_shape) {
  FlattenChain c;
  c.x = b.input("x", x_shape);
  c.shape = b.node1("Shape", {c.x});
  c.batch = b.node1("Gather", {c.shape, b.constant("zero", i64s({}, {0}))}, attrs_with([](auto& a) { a.set_int("axis", 0); }));
  if (b.graph.opset >= 13) {
    c.batch_1d = b.node1("Unsqueeze", {c.batch, b.constant("axes", i64_vector({0}))});
  } else {
    c.batch_1d = b.node1("Unsqueeze", {c.batch}, attrs_with([](auto& a) { a.set_ints("axes", {0}); }));
  }
  c.target = b.node1("Concat", {c.batch_1d, b.constant("minus_one", i64_vector({-1}))},
                     attrs_with([](auto& a) { a.set_int("axis", 0); }));
  c.y = b.node1("Reshape", {c.x, c.target});
  return c;
}

TEST(ShapeFolding, ExporterFlattenChainFoldsIntoReshape) {
  for (int64_t opset : {11, 13, 17}) {
    GraphBuilder b(opset);
    FlattenChain c = build_flatten_chain(b, {2, 3, 4, 5});
    b.infer({c.y});
    ASSERT_TRUE(b.value(c.shape).is_constant()) << "opset " << opset;
    EXPECT_EQ(values_of<int64_t>(*b.value(c.shape).constant), (std::vector<int64_t>{2, 3, 4, 5}));
    ASSERT_TRUE(b.value(c.batch).is_constant());
    EXPECT_EQ(b.value(c.batch).shape, Shape{});
    EXPECT_EQ(values_of<int64_t>(*b.value(c.batch).constant), std::vector<int64_t>{2});
    EXPECT_EQ(b.value(c.batch_1d).shape, Shape{1});
    ASSERT_TRUE(b.value(c.target).is_constant());
    EXPECT_EQ(values_of<int64_t>(*b.value(c.target).constant), (std::vector<int64_t>{2, -1}));
    EXPECT_EQ(b.value(c.y).shape, (Shape{2, 60}));
    EXPECT_FALSE(b.value(c.y).is_constant());  // x is a runtime input
  }
}

TEST(ShapeFolding, SymbolicBatchWaitsForConcreteShapes) {
  GraphBuilder b(13);
  FlattenChain c = build_flatten_chain(b, {-1, 3, 4, 5});
  b.infer({c.y});
  // Nothing folds while the batch is unknown, but the rank of the result is known.
  EXPECT_FALSE(b.value(c.shape).is_constant());
  EXPECT_FALSE(b.value(c.target).is_constant());
  EXPECT_EQ(b.value(c.target).shape, Shape{2});
  EXPECT_EQ(b.value(c.y).shape, (Shape{-1, -1}));
  // A session fixes the batch and infers again: now the chain folds.
  b.graph.value(c.x).shape = {3, 3, 4, 5};
  ir::infer_shapes(b.graph);
  ASSERT_TRUE(b.value(c.target).is_constant());
  EXPECT_EQ(values_of<int64_t>(*b.value(c.target).constant), (std::vector<int64_t>{3, -1}));
  EXPECT_EQ(b.value(c.y).shape, (Shape{3, 60}));
}

TEST(ShapeFolding, KnownWindowOfAShapeFoldsDespiteUnknownBatch) {
  // Shape -> Slice(1:) -> ReduceProd-free arithmetic: C*H*W via Gathers and Mul.
  GraphBuilder b(13);
  ir::ValueId x = b.input("x", {-1, 3, 4, 5});
  ir::ValueId shape = b.node1("Shape", {x});
  ir::ValueId tail = b.node1("Slice", {shape, b.constant("s", i64_vector({1})), b.constant("e", i64_vector({1000}))});
  ir::ValueId c = b.node1("Gather", {shape, b.constant("i1", i64s({1}, {1}))});
  ir::ValueId late = b.node1("Shape", {x}, attrs_with([](auto& a) { a.set_int("start", 1); }));
  ir::ValueId h = b.node1("Gather", {late, b.constant("i2", i64s({1}, {1}))});
  ir::ValueId ch = b.node1("Mul", {h, b.constant("three", i64s({1}, {3}))});
  b.infer({tail, c, ch});
  EXPECT_FALSE(b.value(tail).is_constant());  // its input holds the unknown batch
  EXPECT_EQ(b.value(tail).shape, Shape{3});
  EXPECT_FALSE(b.value(c).is_constant());
  ASSERT_TRUE(b.value(late).is_constant());
  EXPECT_EQ(values_of<int64_t>(*b.value(late).constant), (std::vector<int64_t>{3, 4, 5}));
  ASSERT_TRUE(b.value(ch).is_constant());
  EXPECT_EQ(values_of<int64_t>(*b.value(ch).constant), std::vector<int64_t>{12});
}

TEST(ShapeFolding, SliceCastConstantOfShapeAndArithmetic) {
  GraphBuilder b(13);
  ir::ValueId x = b.input("x", {2, 8, 6, 6});
  ir::ValueId shape = b.node1("Shape", {x});
  ir::ValueId hw = b.node1("Slice", {shape, b.constant("s", i64_vector({-2})), b.constant("e", i64_vector({1 << 30}))});
  ir::ValueId half = b.node1("Div", {hw, b.constant("two", i64s({}, {2}))});
  ir::ValueId as_float = b.node1("Cast", {half}, attrs_with([](auto& a) { a.set_int("to", 1); }));
  ir::ValueId ones = b.node1("ConstantOfShape", {half},
                             attrs_with([](auto& a) { a.set_tensor("value", std::make_shared<const Tensor>(f32s({1}, {1}))); }));
  b.infer({as_float, ones});
  ASSERT_TRUE(b.value(half).is_constant());
  EXPECT_EQ(values_of<int64_t>(*b.value(half).constant), (std::vector<int64_t>{3, 3}));
  ASSERT_TRUE(b.value(as_float).is_constant());
  EXPECT_EQ(values_of<float>(*b.value(as_float).constant), (std::vector<float>{3, 3}));
  ASSERT_TRUE(b.value(ones).is_constant());
  EXPECT_EQ(b.value(ones).shape, (Shape{3, 3}));
  EXPECT_EQ(values_of<float>(*b.value(ones).constant), std::vector<float>(9, 1));
}

TEST(ShapeFolding, LargeOutputsAreLeftForRunTime) {
  GraphBuilder b;
  ir::ValueId big = b.node1("ConstantOfShape", {b.constant("s", i64_vector({2048, 1024}))});
  ir::ValueId small = b.node1("ConstantOfShape", {b.constant("t", i64_vector({1024, 1024}))});
  b.infer({big, small});
  EXPECT_EQ(b.value(big).shape, (Shape{2048, 1024}));
  EXPECT_FALSE(b.value(big).is_constant());
  EXPECT_TRUE(b.value(small).is_constant());
}

TEST(ShapeFolding, ErrorsSurfaceAtLoad) {
  {
    GraphBuilder b;
    ir::ValueId shape = b.node1("Shape", {b.input("x", {2, 3})});
    ir::ValueId g = b.node1("Gather", {shape, b.constant("i", i64s({}, {2}))});
    expect_error([&] { b.infer({g}); }, "out of range");
  }
  {
    GraphBuilder b;
    ir::ValueId shape = b.node1("Shape", {b.input("x", {2, 3})});
    ir::ValueId d = b.node1("Div", {shape, b.constant("z", i64s({}, {0}))});
    expect_error([&] { b.infer({d}); }, "division by zero");
  }
  {
    // The error names the node.
    GraphBuilder b;
    ir::ValueId x = b.input("x", {2, 3});
    ir::ValueId y = b.node1("Reshape", {x, b.input("s", {2}, DType::i64)});
    try {
      b.infer({y});
      ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.node(), "Reshape_0");
      EXPECT_EQ(e.file(), "test.onnx");
      EXPECT_NE(std::string(e.what()).find("Reshape shape must be constant"), std::string::npos) << e.what();
    }
  }
}

TEST(ShapeFolding, RelabelingOpsOfConstantsFold) {
  GraphBuilder b(13);
  ir::ValueId w = b.constant("w", f32s({2, 3}, {1, 2, 3, 4, 5, 6}));
  ir::ValueId flat = b.node1("Flatten", {w}, attrs_with([](auto& a) { a.set_int("axis", 0); }));
  ir::ValueId id = b.node1("Identity", {flat});
  ir::ValueId sq = b.node1("Squeeze", {id, b.constant("a", i64_vector({0}))});
  ir::ValueId cat = b.node1("Concat", {sq, sq}, attrs_with([](auto& a) { a.set_int("axis", 0); }));
  b.infer({cat});
  EXPECT_EQ(b.value(sq).shape, Shape{6});
  ASSERT_TRUE(b.value(cat).is_constant());
  EXPECT_EQ(values_of<float>(*b.value(cat).constant), (std::vector<float>{1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}));
}

}  // namespace
}  // namespace castnet
